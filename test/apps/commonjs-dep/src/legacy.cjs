// A CommonJS module, as many npm packages still are: it calls require for a Node built-in.
const { posix } = require('node:path')

module.exports = { joined: (a, b) => posix.join(a, b) }
