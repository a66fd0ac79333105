/**
 * The MCP stdio transport over a process the exec sandbox started (the SDK's own StdioClientTransport spawns its
 * child itself, which would bypass the sandbox): newline-delimited JSON-RPC on the child's stdin/stdout, framed
 * with the SDK's ReadBuffer. A server that floods stdout without newlines is cut off at MAX_LINE_BYTES.
 */
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ServiceProcess } from '../../exec/index.js';

const MAX_LINE_BYTES = 8 * 1024 * 1024;
const MAX_STDERR_BYTES = 16 * 1024;

export class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private pending = 0;
  private closed = false;
  private stderrText = '';

  private readonly child: ServiceProcess['child'];
  private readonly stop: () => void;

  constructor(service: ServiceProcess) {
    this.child = service.child;
    this.stop = service.stop;
  }

  /** The last bytes the server wrote to stderr (for error messages; never shown to the model). */
  get stderr(): string {
    return this.stderrText;
  }

  start(): Promise<void> {
    const { child } = this;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.pending += chunk.byteLength;
      this.buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.buffer.readMessage();
        } catch (cause) {
          this.onerror?.(cause instanceof Error ? cause : new Error(String(cause)));
          continue;
        }
        if (message === null) break;
        this.pending = 0;
        this.onmessage?.(message);
      }
      if (this.pending > MAX_LINE_BYTES) {
        this.onerror?.(new Error(`the server wrote more than ${MAX_LINE_BYTES} bytes without a newline`));
        void this.close();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-MAX_STDERR_BYTES);
    });
    child.stdin?.on('error', (e: Error) => this.onerror?.(e));
    child.on('error', (e: Error) => this.onerror?.(e));
    child.on('close', () => this.finish());
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child.stdin;
      if (this.closed || !stdin?.writable) return reject(new Error('the MCP server has exited'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  close(): Promise<void> {
    this.stop();
    this.finish();
    return Promise.resolve();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.onclose?.();
  }
}
