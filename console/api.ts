/** A GraphQL error as the gateway sent it: its message is shown as written. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

type GraphQLAnswer<T> = { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };

/** One operation against this gateway's /graphql with the signed-in key. */
export async function graphql<T>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    throw new GatewayError(`The gateway did not answer: ${(error as Error).message}`);
  }
  let answer: GraphQLAnswer<T>;
  try {
    answer = (await response.json()) as GraphQLAnswer<T>;
  } catch {
    throw new GatewayError(`The gateway answered ${response.status} without a GraphQL result`);
  }
  const first = answer.errors?.[0];
  if (first) throw new GatewayError(first.message, first.extensions?.code);
  if (!answer.data) throw new GatewayError(`The gateway answered ${response.status} without data`);
  return answer.data;
}
