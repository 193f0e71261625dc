/**
 * What targets build with: esbuild bundles of an app (with clear errors in the user's code) and
 * zips whose bytes depend only on the files in them. Imported by the targets' builds, never by
 * a runtime entry, so no deployed function carries it.
 */
export { type BundleOptions, bundle, resolvePackage } from './bundle.js'
export { deterministicZip, sha256 } from './zip.js'
