declare const legacy: { joined(a: string, b: string): string }
export = legacy
