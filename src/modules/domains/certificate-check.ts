import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { InvalidInputError, type Violation } from '../../lib/errors.js';

/**
 * A custom domain's certificate must cover the domain (its SANs, one-label wildcards as
 * RFC 6125 has them), be valid now, and belong to the private key sent with it. Every
 * failed rule is named together; the key itself never enters a message.
 */
export function checkCertificate(domain: string, certificatePem: string, privateKeyPem: string, now = new Date()): { notAfter: Date } {
  const violations: Violation[] = [];
  let certificate: X509Certificate | null = null;
  let key: KeyObject | null = null;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    violations.push({ field: 'sslCertificate', rule: 'pem', message: 'The SSL certificate is not a PEM X.509 certificate' });
  }
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch {
    violations.push({ field: 'sslPrivateKey', rule: 'pem', message: 'The SSL private key is not an unencrypted PEM private key' });
  }
  if (certificate) {
    if (!certificate.checkHost(domain, { partialWildcards: false, multiLabelWildcards: false })) {
      const names = certificate.subjectAltName ?? certificate.subject.replace(/\n/g, ', ');
      violations.push({ field: 'sslCertificate', rule: 'covers_domain', message: `The SSL certificate does not cover ${domain} (it names ${names})` });
    }
    const validFrom = new Date(certificate.validFrom);
    const validTo = new Date(certificate.validTo);
    if (now < validFrom) {
      violations.push({ field: 'sslCertificate', rule: 'not_yet_valid', message: `The SSL certificate is not valid before ${validFrom.toISOString()}` });
    } else if (now > validTo) {
      violations.push({ field: 'sslCertificate', rule: 'expired', message: `The SSL certificate expired on ${validTo.toISOString()}` });
    }
    if (key && !certificate.checkPrivateKey(key)) {
      violations.push({ field: 'sslPrivateKey', rule: 'matches_certificate', message: 'The SSL private key does not match the certificate' });
    }
  }
  if (violations.length || !certificate) throw new InvalidInputError(violations);
  return { notAfter: new Date(certificate.validTo) };
}
