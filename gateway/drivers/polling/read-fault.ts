/** Why a read of a polled device failed, as counted per device: each calls for a different look by the installer. */
export type ReadFault = 'timeout' | 'exception' | 'crc' | 'disconnected' | 'other';

export class DeviceReadError extends Error {
  constructor(
    readonly fault: ReadFault,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceReadError';
  }
}
