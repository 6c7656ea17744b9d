import type { Options } from 'tsup';
export declare function nooksTsup(overrides?: Options): Options | Options[] | ((o: Options) => Options | Options[]);
