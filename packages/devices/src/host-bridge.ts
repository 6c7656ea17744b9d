// The host bridge at 00:00.0: an Intel 82443BX (440BX) with the AGP port disabled, the
// chipset of the Pentium II/III era that Linux 2.4 knew best. Its DRAM row boundary registers
// (DRB0-7 at 0x60-0x67, cumulative size in 8 MiB units) describe the machine's RAM, as the
// BIOS programmed them.

import { PciDevice } from './pci-device.js';
import { PciCommand, PciConfig } from './pci-types.js';

export const INTEL_VENDOR_ID = 0x8086;
/** 82443BX/ZX/DX host bridge (AGP disabled: no aperture BAR, no AGP bridge); 0x7190 is the variant with AGP. */
export const I440BX_DEVICE_ID = 0x7192;

export interface HostBridgeOptions {
  /** RAM size, reflected in the DRB registers. */
  memoryBytes?: number;
  deviceId?: number;
}

export class HostBridge extends PciDevice {
  constructor(options: HostBridgeOptions = {}) {
    super({
      name: 'host-bridge',
      vendorId: INTEL_VENDOR_ID,
      deviceId: options.deviceId ?? I440BX_DEVICE_ID,
      classCode: 0x060000,
      revision: 0x03,
    });
    // A host bridge forwards memory cycles and masters the bus from power-on.
    this.set16(PciConfig.COMMAND, PciCommand.MEMORY | PciCommand.BUS_MASTER);
    const units = Math.min(0xff, Math.ceil((options.memoryBytes ?? 0) / (8 << 20)));
    for (let row = 0; row < 8; row++) this.config[0x60 + row] = units;
  }
}
