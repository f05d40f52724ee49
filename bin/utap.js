#!/usr/bin/env node
'use strict';
require('../dist/tracer/cli/main.js').main(process.argv.slice(2));
