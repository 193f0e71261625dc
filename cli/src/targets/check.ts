import { clouds, type Manifest, type Target } from '@xfn/core'
import { checkPortability, type PortabilityReport } from '@xfn/core/portability'
import type { Project } from '../project.js'

/**
 * The portability report of an app for the targets asked about: core's rules for the built-in
 * clouds, and each other target's own `check`. A function is portable to a target from outside
 * unless one of its findings names the function.
 */
export function checkTargets(
  project: Project,
  manifest: Manifest,
  targets: readonly Target[],
): PortabilityReport {
  // The built-in clouds in core's order, as the report has always listed them.
  const builtIn = clouds.filter((cloud) => targets.some((t) => t.name === cloud))
  const others = targets.filter((t) => !(clouds as readonly string[]).includes(t.name))
  const report = checkPortability(manifest, builtIn, { azurePlan: project.config.azure?.plan })
  if (others.length === 0) return report
  const findings = others.flatMap((target) =>
    (target.check?.(manifest, project.config) ?? []).map((f) => ({ ...f, cloud: target.name })),
  )
  const failing = (name: string, subject?: string) =>
    findings.some(
      (f) => f.cloud === name && f.severity === 'error' && (subject === undefined || f.subject === subject),
    )
  return {
    ...report,
    clouds: [...report.clouds, ...others.map((t) => t.name)],
    functions: report.functions.map((fn) => ({
      ...fn,
      clouds: {
        ...fn.clouds,
        ...Object.fromEntries(
          others.map((t) => {
            const ok = !failing(t.name, `function '${fn.name}'`)
            return [t.name, { ok, detail: ok ? 'ok' : 'not portable' }]
          }),
        ),
      },
    })),
    findings: [...report.findings, ...findings],
    portableTo: [...report.portableTo, ...others.filter((t) => !failing(t.name)).map((t) => t.name)],
  }
}
