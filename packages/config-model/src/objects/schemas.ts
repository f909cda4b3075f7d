/**
 * zod schemas for the Kubernetes objects build() reads. Only the fields we use are listed;
 * unknown fields are stripped, so newer API servers never break parsing.
 */
import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

export const metadataSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1).default('default'),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: z.union([z.string(), z.date().transform((d) => d.toISOString())]).optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

/** Cluster-scoped objects carry no namespace. */
const clusterMetadataSchema = metadataSchema.extend({ namespace: z.string().default('') });

const serviceBackendPortSchema = z.object({
  number: z.number().int().min(1).max(65535).optional(),
  name: z.string().min(1).optional(),
});

const ingressBackendSchema = z.object({
  service: z.object({ name: z.string().min(1), port: serviceBackendPortSchema }).optional(),
  resource: z.object({ kind: z.string(), name: z.string() }).loose().optional(),
});

const httpPathSchema = z.object({
  path: z.string().optional(),
  pathType: z.enum(['Exact', 'Prefix', 'ImplementationSpecific']),
  backend: ingressBackendSchema,
});

export const ingressSchema = z.object({
  apiVersion: z.literal('networking.k8s.io/v1'),
  kind: z.literal('Ingress'),
  metadata: metadataSchema,
  spec: z
    .object({
      ingressClassName: z.string().optional(),
      defaultBackend: ingressBackendSchema.optional(),
      tls: z
        .array(z.object({ hosts: z.array(z.string()).optional(), secretName: z.string().optional() }))
        .optional(),
      rules: z
        .array(
          z.object({
            host: z.string().optional(),
            http: z.object({ paths: z.array(httpPathSchema) }).optional(),
          }),
        )
        .optional(),
    })
    .default({}),
});

export const ingressClassSchema = z.object({
  apiVersion: z.literal('networking.k8s.io/v1'),
  kind: z.literal('IngressClass'),
  metadata: clusterMetadataSchema,
  spec: z.object({ controller: z.string().optional() }).default({}),
});

export const secretSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: metadataSchema,
  type: z.string().optional(),
  /** base64 values, as the API server returns them. */
  data: stringMap.optional(),
  /** Plain values, accepted in manifests (the API server folds them into data). */
  stringData: stringMap.optional(),
});

const servicePortSchema = z.object({
  name: z.string().optional(),
  port: z.number().int().min(1).max(65535),
  targetPort: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).optional(),
  protocol: z.string().optional(),
});

export const serviceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: metadataSchema,
  spec: z
    .object({
      type: z.string().optional(),
      clusterIP: z.string().optional(),
      externalName: z.string().optional(),
      ports: z.array(servicePortSchema).optional(),
    })
    .default({}),
});

export const endpointSliceSchema = z.object({
  apiVersion: z.literal('discovery.k8s.io/v1'),
  kind: z.literal('EndpointSlice'),
  metadata: metadataSchema,
  addressType: z.string(),
  endpoints: z
    .array(
      z.object({
        addresses: z.array(z.string()),
        conditions: z.object({ ready: z.boolean().nullable().optional() }).optional(),
      }),
    )
    .nullable()
    .optional(),
  ports: z
    .array(
      z.object({
        name: z.string().nullable().optional(),
        port: z.number().int().nullable().optional(),
        protocol: z.string().nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
});

export const configMapSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: metadataSchema,
  data: stringMap.optional(),
});

export type Metadata = z.infer<typeof metadataSchema>;
export type Ingress = z.infer<typeof ingressSchema>;
export type IngressBackend = z.infer<typeof ingressBackendSchema>;
export type IngressClass = z.infer<typeof ingressClassSchema>;
export type Secret = z.infer<typeof secretSchema>;
export type Service = z.infer<typeof serviceSchema>;
export type ServicePort = z.infer<typeof servicePortSchema>;
export type EndpointSlice = z.infer<typeof endpointSliceSchema>;
export type ConfigMap = z.infer<typeof configMapSchema>;
