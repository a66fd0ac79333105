const [target, ...words] = process.argv.slice(2);
const key = process.env.DEEPL_API_KEY;
if (!key) throw new Error('DEEPL_API_KEY is not set');
const res = await fetch('https://api-free.deepl.com/v2/translate', {
  method: 'POST',
  headers: { Authorization: `DeepL-Auth-Key ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ text: [words.join(' ')], target_lang: target }),
});
const data = await res.json();
console.log(data.translations?.[0]?.text ?? JSON.stringify(data));
