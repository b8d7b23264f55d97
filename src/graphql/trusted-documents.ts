import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DocumentNode, type GraphQLSchema, parse, validate } from 'graphql';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

/**
 * How /graphql treats documents: `off` runs whatever is sent; `allow-arbitrary` also runs the
 * manifest's documents by id; `enforce` runs only those (operators excepted, so they can still
 * explore). The REST routes' own operations never pass here: they always run.
 */
export type TrustedDocumentsMode = 'off' | 'allow-arbitrary' | 'enforce';

/** A manifest that cannot be served: the gateway does not start, and this says why. */
export class TrustedDocumentsError extends Error {
  override name = 'TrustedDocumentsError';
}

/**
 * Reads a manifest: a JSON object from document id to document, the `persisted-documents.json`
 * GraphQL Code Generator's client preset writes (`persistedDocuments: true`). Every document must
 * parse and validate against the schema, and an id of 64 hex digits must be the SHA-256 of its
 * document, so a stale or altered manifest is refused at start rather than per request.
 */
export function loadTrustedDocuments(file: string, schema: GraphQLSchema): Map<string, DocumentNode> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TrustedDocumentsError(`TRUSTED_DOCUMENTS_FILE ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new TrustedDocumentsError(`TRUSTED_DOCUMENTS_FILE ${file} must hold a JSON object of document id to document`);
  }
  const documents = new Map<string, DocumentNode>();
  for (const [id, text] of Object.entries(manifest)) {
    const where = `TRUSTED_DOCUMENTS_FILE ${file}, document "${id.slice(0, 80)}"`;
    if (!/^[\w:.-]{1,128}$/.test(id)) throw new TrustedDocumentsError(`${where}: an id is 1 to 128 letters, digits and _ : . -`);
    if (typeof text !== 'string') throw new TrustedDocumentsError(`${where}: the document must be a string`);
    if (/^[0-9a-f]{64}$/.test(hashOf(id)) && hashOf(id) !== createHash('sha256').update(text).digest('hex')) {
      throw new TrustedDocumentsError(`${where}: the id is not the SHA-256 of its document (a stale or altered manifest)`);
    }
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      throw new TrustedDocumentsError(`${where}: ${(error as Error).message}`);
    }
    const errors = validate(schema, document);
    if (errors.length) throw new TrustedDocumentsError(`${where}: ${errors.map((error) => error.message).join('; ')}`);
    documents.set(hashOf(id), document);
  }
  return documents;
}

/** An id as clients send it: `sha256:<hex>` and `<hex>` are one document. */
const hashOf = (id: string) => id.replace(/^sha256:/, '');

/**
 * The id a request names: `documentId` (the GraphQL over HTTP draft; in a POST body, or a GET's
 * query string), else Apollo's `extensions.persistedQuery.sha256Hash`.
 */
function documentIdOf(params: { extensions?: Record<string, unknown> } & Record<string, unknown>, request: Request): string | null {
  const given =
    typeof params.documentId === 'string' ? params.documentId : request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null;
  if (given) return hashOf(given);
  const apollo = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  return apollo?.version === 1 && typeof apollo.sha256Hash === 'string' ? apollo.sha256Hash : null;
}

/** The trusted-documents plugin for /graphql; `isOperator` tells an operator, who may send any document. */
export function useTrustedDocuments(
  documents: ReadonlyMap<string, DocumentNode>,
  mode: Exclude<TrustedDocumentsMode, 'off'>,
  isOperator: (request: Request) => Promise<boolean>,
): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => documents.get(id) ?? null,
    extractPersistedOperationId: (params, request) => documentIdOf(params as never, request),
    allowArbitraryOperations: mode === 'allow-arbitrary' ? true : isOperator,
    // Validated once, at start.
    skipDocumentValidation: true,
    customErrors: {
      notFound: {
        message: 'No trusted document has this id: the client was built against another manifest (TRUSTED_DOCUMENTS_FILE)',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'This gateway runs only trusted documents (TRUSTED_DOCUMENTS=enforce): send "documentId" of a document in its manifest, not "query"',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send "query", or "documentId" of a trusted document',
        extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
      },
    },
  });
}
