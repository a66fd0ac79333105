/**
 * `server.tls`: the gateway's TLS (certificate and key files) and L19 mutual TLS (a client CA, an optional CRL, and
 * the mapping of verified client certificates to callers). Relative paths are read from the data dir.
 */
import { z } from 'zod';

/** What a caller may do; the same names as the gateway's token scopes (a test keeps them identical). */
export const CALLER_SCOPES = ['chat', 'admin'] as const;

const file = z.string().min(1).max(4096);
const subjectValue = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !/[\0\r\n]/.test(s), 'no NUL or line breaks');

/** One mapping: the certificate whose CN (or one of whose SANs) equals the value becomes this caller. */
export const TlsClientSchema = z
  .strictObject({
    match: z
      .strictObject({ cn: subjectValue.optional(), san: subjectValue.optional() })
      .refine((m) => (m.cn === undefined) !== (m.san === undefined), {
        message: 'match names exactly one of cn or san',
      }),
    scopes: z.array(z.enum(CALLER_SCOPES)).min(1).max(CALLER_SCOPES.length),
    /** The operator's own certificate: its caller is the owner (L01 ownerActions, recall). */
    owner: z.boolean().default(false),
    /** A label for audit lines and `bulwark status`, never used for decisions. */
    name: z.string().min(1).max(100).optional(),
  })
  .readonly();
export type TlsClient = z.infer<typeof TlsClientSchema>;

export const TlsConfigSchema = z
  .strictObject({
    /** PEM certificate chain of the server (leaf first). */
    cert: file,
    /** PEM private key of the server; must not be readable by others. */
    key: file,
    /** L19: PEM CA certificate(s) client certificates must chain to. Without it no client certificate is asked for. */
    clientCa: file.optional(),
    /**
     * With `clientCa`: `required` refuses every request without a verified, mapped client certificate (bearer tokens
     * alone are not enough); `optional` lets requests without a certificate authenticate with a bearer token.
     */
    clientCert: z.enum(['required', 'optional']).default('required'),
    /** PEM CRL signed by the client CA; re-read when the file changes. A certificate listed in it is refused. */
    crl: file.optional(),
    /** Verified client certificates and who they are; a certificate no entry matches gets nothing. */
    clients: z.array(TlsClientSchema).max(1000).default([]),
  })
  .refine((t) => t.clientCa !== undefined || (t.crl === undefined && t.clients.length === 0), {
    message: 'crl and clients need clientCa (the CA client certificates are verified against)',
  });
export type TlsConfig = z.infer<typeof TlsConfigSchema>;
