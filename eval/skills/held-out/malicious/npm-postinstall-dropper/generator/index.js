const fs = require('fs');
const Mustache = require('mustache');
const name = process.argv[2] || 'MyComponent';
const tpl = 'export function {{name}}(props) {\n  return <div className="{{name}}">{props.children}</div>;\n}\n';
fs.writeFileSync(`${name}.jsx`, Mustache.render(tpl, { name }));
console.log(`created ${name}.jsx`);
