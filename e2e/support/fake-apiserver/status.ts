/**
 * metav1.Status failures with the reasons and messages kube-apiserver uses
 * (k8s.io/apimachinery/pkg/api/errors), so clients branch on `code`/`reason` as they would live.
 */
import { qualifiedResource, type ResourceType } from './resources.ts';

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly uid?: string;
  };
  readonly code: number;
}

/** An error a handler throws; the router writes its Status as the response. */
export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? String(status.code));
    this.status = status;
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  type?: ResourceType,
  name?: string,
): ApiError {
  const details =
    type === undefined
      ? undefined
      : { ...(name === undefined ? {} : { name }), group: type.group, kind: type.resource };
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  });
}

export function notFound(type: ResourceType, name: string): ApiError {
  return failure(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, type, name);
}

export function alreadyExists(type: ResourceType, name: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, type, name);
}

/** The optimistic-concurrency failure every controller retries on (API conventions, "Concurrency Control"). */
export function conflict(type: ResourceType, name: string): ApiError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
  return failure(409, 'Conflict', message, type, name);
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function invalid(type: ResourceType, name: string, why: string): ApiError {
  return failure(422, 'Invalid', `${type.kind} "${name}" is invalid: ${why}`, type, name);
}

export function methodNotAllowed(method: string): ApiError {
  return failure(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );
}

export function unsupportedMediaType(contentType: string): ApiError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
  );
}

export function unauthorized(): ApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function pathNotFound(path: string): ApiError {
  return failure(404, 'NotFound', `the server could not find the requested resource (${path})`);
}

export function unavailable(): ApiError {
  return failure(503, 'ServiceUnavailable', 'the fake apiserver is down (setDown)');
}

/** What a watch sends as an ERROR event when the requested resourceVersion was compacted away. */
export function expired(requested: string, oldest: string): Status {
  return failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`).status;
}

export function deleted(type: ResourceType, name: string, uid: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: type.group, kind: type.resource, uid },
    code: 200,
  };
}
