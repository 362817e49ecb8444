/**
 * The boundaries of the tree, checked by `npm test` (dependency-cruiser). A violation names its
 * rule and the import that breaks it. What each folder may import is in its README.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'cloud-never-imports-gateway',
      comment: 'The cloud and the edge meet only in contract/: the gateway may be another version, in another city.',
      severity: 'error',
      from: { path: '^cloud/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'gateway-never-imports-cloud',
      comment: 'The gateway runs at the edge without the cloud: what it shares with the cloud is in contract/.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^cloud/' },
    },
    {
      name: 'drivers-never-import-rules',
      comment: 'Drivers hand readings to a ReadingSink (contract/); they do not know what judges them.',
      severity: 'error',
      from: { path: '^gateway/drivers/' },
      to: { path: '^gateway/rules/' },
    },
    {
      name: 'drivers-stay-in-drivers',
      comment: 'A driver needs its own config schema (drivers/<transport>/config.ts), polling/, contract/, lib/ and the profiles; the gateway wiring, rules, store and uplink are not its business.',
      severity: 'error',
      from: { path: '^gateway/drivers/' },
      to: { path: '^gateway/', pathNot: '^gateway/drivers/' },
    },
    {
      name: 'rules-never-import-drivers',
      comment: 'Rules judge readings from any transport; a transport detail in a rule is a bug waiting for the next device.',
      severity: 'error',
      from: { path: '^gateway/rules/' },
      to: { path: '^gateway/drivers/' },
    },
    {
      name: 'rules-never-import-store-or-uplink',
      comment: 'The engine commits through the AlertQueue it is given; rules know no outbox, lane or cloud sender.',
      severity: 'error',
      from: { path: '^gateway/rules/' },
      to: { path: '^gateway/(store|uplink)/' },
    },
    {
      name: 'simulators-import-neither-gateway-nor-cloud',
      comment: 'Simulators are devices: they speak the protocols, and share only profiles, contract/ and lib/ with what they feed.',
      severity: 'error',
      from: { path: '^simulators/' },
      to: { path: '^(gateway|cloud)/' },
    },
    {
      name: 'profiles-are-data',
      comment: 'Firmware profiles and their codecs are data and pure functions: no gateway, cloud, simulator or CLI.',
      severity: 'error',
      from: { path: '^firmware-profiles/' },
      to: { path: '^(gateway|cloud|simulators|cli)/' },
    },
    {
      name: 'contract-is-neutral',
      comment: 'contract/ is what stages agree on (the metric vocabulary included); it may use lib/, nothing of a stage.',
      severity: 'error',
      from: { path: '^contract/' },
      to: { path: '^(gateway|cloud|simulators|cli|firmware-profiles|bench|test)/' },
    },
    {
      name: 'lib-is-neutral',
      comment: 'lib/ is plumbing every stage uses; it imports no stage.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(gateway|cloud|simulators|cli|firmware-profiles|contract|bench|test)/' },
    },
    {
      name: 'sources-never-import-tests',
      comment: 'Tests import sources, never the other way round (bench/ is a harness like the tests and may use their helpers).',
      severity: 'error',
      from: { path: '^(gateway|cloud|simulators|cli|firmware-profiles|contract|lib)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one, loaded in an order nobody chose.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|bench/results)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'] },
  },
};
