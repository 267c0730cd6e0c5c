// An HTTP server for test/apps/node.sh: each GET /count answers the next
// value of a counter held in the process, GET /hello a fixed text.
'use strict';
const http = require('http');
let count = 0;

http.createServer((req, res) => {
	if (req.url === '/count') {
		count++;
		res.end(count + '\n');
	} else {
		res.end('hello from node\n');
	}
}).listen(8080, process.argv[2]);
