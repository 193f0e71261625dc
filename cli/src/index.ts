export { defineConfig, type XfnConfig } from './config.js'
export { exitCodeFor, exitCodes } from './exit-codes.js'
export { loadManifest } from './load-app.js'
export { findProject, type Project } from './project.js'
