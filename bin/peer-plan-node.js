#!/usr/bin/env node
import '../dist/cli/peer-plan-node.js'
