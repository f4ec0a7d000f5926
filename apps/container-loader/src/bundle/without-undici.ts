// Stands in for undici in the single-file device build (tsup.config.ts): the build must neither need nor carry
// it (undici 7 needs Node 20). Only @isar/oci-registry's default transport imports it, lazily, and the loader
// uses the node:http transport, so reaching this module is a bug, said plainly.
throw new Error('undici is not in the container-loader bundle: the registry engine uses nodeHttpTransport');
