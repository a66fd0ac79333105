/** Entry point of the in-sandbox forwarder: `node forwarder-main.js <port> <socketPath>`. */
import { startForwarder } from './forwarder.js';

const [portText, socketPath] = process.argv.slice(2);
const port = Number(portText);
if (!socketPath || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: forwarder-main <port> <socketPath>\n');
  process.exitCode = 2;
} else {
  await startForwarder({ port, socketPath });
  process.stdout.write(`ready ${port}\n`);
}
