import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 86_400_000;

export type TestCertificate = { certificate: string; privateKey: string };

/** A self-signed certificate for the test, with the SANs and validity it asks for, and its PEM private key. */
export async function makeCertificate(options: { dnsNames: string[]; commonName?: string; notBefore?: Date; notAfter?: Date }): Promise<TestCertificate> {
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: `CN=${options.commonName ?? options.dnsNames[0] ?? 'test'}`,
    notBefore: options.notBefore ?? new Date(Date.now() - day),
    notAfter: options.notAfter ?? new Date(Date.now() + 90 * day),
    signingAlgorithm: algorithm,
    keys,
    extensions: options.dnsNames.length ? [new x509.SubjectAlternativeNameExtension(options.dnsNames.map((value) => ({ type: 'dns' as const, value })))] : [],
  });
  const privateKey = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { certificate: certificate.toString('pem'), privateKey };
}

export const days = (count: number) => new Date(Date.now() + count * day);
