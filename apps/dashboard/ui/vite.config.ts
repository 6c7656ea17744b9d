import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built by `vite build ui` from apps/dashboard: root is this folder, the bundle goes to ui/dist,
// which the dashboard server serves. Relative asset paths, so the bundle works under any prefix.
export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
