/**
 * The import rules of src/ (STYLE.md): one way, bottom to top.
 *   helpers (access, plans, state, snapshot, files, catalogs) → services → GraphQL field files
 * A module's job handlers and periodic tasks (*.job.ts, *.task.ts) and the HTTP layer sit on top,
 * beside the field files. src/jobs/ (the queue and the scheduler) and src/kernel/ (principal,
 * tenant access and state, the audit trail and its webhook outbox, plans, the gateway config
 * spec) sit below every module. Between folders: before issue 25 twelve pairs of module folders
 * imported each other (identity↔tenants, databases↔tenants, backups↔tenants…); the kernel and
 * modules/tenant-lifecycle (above what it orchestrates) made them one way, and
 * .dependency-cruiser-folders.cjs (the second pass of `npm run check`) keeps them so.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports is a design error: some helper belongs one layer down.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'services-speak-no-graphql',
      severity: 'error',
      comment: 'Services hold the rules over Prisma; GraphQL types and fields sit above them.',
      from: { path: '^src/modules/.+\\.service\\.ts$' },
      to: { path: ['^src/graphql/', '^src/modules/.+\\.(types|queries|mutations|subscriptions)\\.ts$', '^src/rest/', '^src/http/'] },
    },
    {
      name: 'helpers-below-services',
      severity: 'error',
      comment: 'Helpers are the bottom layer: only field files, job handlers, periodic tasks, other services and the HTTP layer call a service.',
      from: { path: '^src/modules/', pathNot: ['\\.(service|types|queries|mutations|subscriptions)\\.ts$', '\\.(job|task)\\.ts$'] },
      to: { path: ['\\.service\\.ts$', '^src/modules/.+\\.(types|queries|mutations|subscriptions)\\.ts$'] },
    },
    {
      name: 'services-do-not-call-services',
      severity: 'error',
      comment: 'A rule lives in one service; what two services share is a helper one layer down.',
      from: { path: '^src/modules/.+\\.service\\.ts$' },
      to: { path: '\\.service\\.ts$' },
    },
    {
      name: 'jobs-know-no-module',
      comment: 'src/jobs/ claims, leases and schedules for every module; modules contribute handlers and tasks, the room knows none of them.',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/(modules|graphql|rest|http|data-plane)/' },
    },
    {
      name: 'kernel-knows-no-module',
      severity: 'error',
      comment: 'src/kernel (who acts, which tenant, what changed) is what every module shares: it sits below all of them and imports none.',
      from: { path: '^src/kernel/' },
      to: { path: '^src/(modules|graphql|rest|http|data-plane)/' },
    },
    {
      name: 'lib-is-the-floor',
      severity: 'error',
      comment: 'src/lib holds small pure helpers and imports nothing of the gateway above it.',
      from: { path: '^src/lib/' },
      to: { path: '^src/(kernel|modules|graphql|rest|http|gateway-db)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
