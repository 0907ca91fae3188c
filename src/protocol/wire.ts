// attend.chat.v1 in one import (../shared/PROTOCOL.md): the relay server, the agent client and
// tests may import the whole contract from here or a part from its own file. The widget copies
// the constants it needs; the build checks its copy (src/relay/widget/protocol-block.ts).
// Pure: no sockets, no Node APIs — like domain/.
export * from './close-codes.js';
export * from './frames.js';
export * from './limits.js';
export * from './parse-frame.js';
export * from './timing.js';
export * from './transport.js';
