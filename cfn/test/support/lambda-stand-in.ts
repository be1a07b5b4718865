import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Lambda function the stand-in runs in the test process instead of moto (which needs Docker). */
export type StandInFunction = (event: unknown) => Promise<unknown>;

/** A running stand-in: Lambda Invoke answered locally, every other request forwarded to moto. */
export interface LambdaStandIn {
  /** `127.0.0.1:<port>`'s port: give it to moto as MOTO_PORT, where its interpreter sends its calls. */
  port: number;
  /** Where requests that are not a Lambda Invoke go (moto's own endpoint). */
  setTarget(endpoint: string): void;
  /** Every Invoke answered, in order: the function's name and the event it got. */
  invocations: { functionName: string; event: unknown }[];
  close(): Promise<void>;
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations/;

/**
 * moto's Step Functions interpreter makes its service calls (Lambda Invoke, the ItemReader's S3
 * GetObject, the ResultWriter's PutObject) with boto3 to `http://localhost:$MOTO_PORT`. Started on
 * that port, this server answers Lambda Invoke by running the named function here (`functions`,
 * keyed by function name) and forwards everything else to moto unchanged. So a state machine runs
 * in moto's interpreter while its Lambda tasks run real handler code, with Lambda's response shape
 * (a handler error becomes `X-Amz-Function-Error: Unhandled` with `errorType`/`errorMessage`).
 */
export async function startLambdaStandIn(functions: Record<string, StandInFunction>): Promise<LambdaStandIn> {
  let target: string | undefined;
  const invocations: LambdaStandIn['invocations'] = [];

  const invoke = async (name: string, body: Buffer, res: ServerResponse) => {
    // The FunctionName may be a name or an ARN (URL-encoded in the path).
    const functionName = decodeURIComponent(name).split(':function:').pop()!.split(':')[0]!;
    const fn = functions[functionName];
    if (!fn) {
      res.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
      return;
    }
    const event = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    invocations.push({ functionName, event });
    try {
      const result = await fn(event);
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
      res.end(JSON.stringify(result ?? null));
    } catch (error) {
      const e = error as Error;
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-executed-version': '$LATEST',
        'x-amz-function-error': 'Unhandled',
      });
      res.end(JSON.stringify({ errorType: e.name, errorMessage: e.message }));
    }
  };

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    if (!target) {
      res.writeHead(503);
      res.end('stand-in has no target yet');
      return;
    }
    const url = new URL(req.url ?? '/', target);
    const upstream = request(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const match = req.method === 'POST' ? INVOKE.exec(req.url ?? '') : null;
      if (match) void invoke(match[1]!, body, res);
      else forward(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setTarget: (endpoint) => {
      target = endpoint;
    },
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
