// Typed errors of the image store. Messages follow containerd's CRI plugin, which is what a
// kubelet user reads in `kubectl describe pod` ("failed to pull and unpack image ...").

export type ImageErrorCode =
  | "InvalidReference"
  | "NotFound"
  | "Unauthorized"
  | "Unreachable"
  | "DigestMismatch"
  | "Unsupported"
  | "InvalidArchive"
  | "InUse"
  | "InvalidLayer";

export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ImageError";
  }

  /** The same error with context in front, as Go's fmt.Errorf("...: %w") chains read. */
  wrap(prefix: string): ImageError {
    return new ImageError(this.code, `${prefix}: ${this.message}`, { cause: this });
  }
}

export function isImageError(err: unknown, code?: ImageErrorCode): err is ImageError {
  return err instanceof ImageError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
