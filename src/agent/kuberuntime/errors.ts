// Errors of the kubelet's container config step; the agent reports them with their reason.

/** The reason the kubelet reports while a container's config cannot be built. */
export const CreateContainerConfigError = "CreateContainerConfigError";

export class ContainerConfigError extends Error {
  readonly reason = CreateContainerConfigError;
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

export class NoCommandSpecifiedError extends ContainerConfigError {
  constructor(container: string) {
    super(`no command specified for container ${container}`);
  }
}
