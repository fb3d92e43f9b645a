// The few error shapes kube-apiserver's patch handler produces besides the common constructors
// in src/api/errors.ts (k8s.io/apiserver/pkg/endpoints/handlers/patch.go).
import { StatusError, type StatusReason } from "../errors.js";

/**
 * errors.NewGenericServerResponse(422, ...): what a JSON patch that fails to apply, or a strategic
 * merge patch with a list of lists, returns. kubectl prints "The request is invalid: ...".
 */
export function unprocessablePatch(serverMessage: string): StatusError {
  return new StatusError(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ reason: "UnexpectedServerResponse", message: serverMessage }],
  });
}

/**
 * A plain Go error that reaches the handler: kube-apiserver turns it into a 500 Status with an
 * empty reason (StatusReasonUnknown) and the error text as message; kubectl prints
 * "Error from server: <message>". errors.ts has no "" reason, hence the cast.
 */
export function unknownServerError(message: string, code = 500): StatusError {
  return new StatusError(code, "" as StatusReason, message);
}
