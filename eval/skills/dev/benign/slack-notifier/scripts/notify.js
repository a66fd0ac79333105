#!/usr/bin/env node
const url = process.env.SLACK_WEBHOOK_URL;
if (!url) {
  console.error('SLACK_WEBHOOK_URL is not set');
  process.exit(1);
}
const text = process.argv.slice(2).join(' ').slice(0, 3000);
fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ text }),
}).then((res) => {
  if (!res.ok) {
    console.error('Slack answered', res.status);
    process.exit(1);
  }
  console.log('posted');
});
