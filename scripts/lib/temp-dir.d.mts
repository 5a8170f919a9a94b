export declare const makeTempDir: (prefix: string, run?: string) => string
export declare const removeDir: (dir: string) => void
export declare const removeOnExit: (dir: string) => string
