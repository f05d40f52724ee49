#!/usr/bin/env node
'use strict';
// bin/utap starts Node without NODE_EXTRA_CA_CERTS (see there) and keeps its value here: give
// it back, so the commands utap runs (-c) see the user's environment unchanged.
if (process.env.UTAP_SAVED_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.UTAP_SAVED_NODE_EXTRA_CA_CERTS;
  delete process.env.UTAP_SAVED_NODE_EXTRA_CA_CERTS;
}
require('../dist/tracer/cli/launch.js').launch(process.argv.slice(2));
