import { clouds, type Manifest, type Target, type TargetFinding } from '@xfn/core'
import { checkPortability, type PortabilityReport } from '@xfn/core/portability'
import type { Project } from '../project.js'

/**
 * The portability report of an app for the targets asked about: core's rules for the built-in
 * clouds; for each other target, the kinds of function it says it runs and its own `check`. A
 * function is portable to such a target unless one of its findings names the function.
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
    [...unsupportedKinds(target, manifest), ...(target.check?.(manifest, project.config) ?? [])].map((f) => ({
      ...f,
      cloud: target.name,
    })),
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

/** The functions of a kind the target does not run, by what it declares in `triggers`. */
function unsupportedKinds(target: Target, manifest: Manifest): TargetFinding[] {
  const kinds = target.triggers
  if (!kinds) return []
  return manifest.functions
    .filter((fn) => !kinds.includes(fn.trigger.type))
    .map((fn) => ({
      subject: `function '${fn.name}'`,
      severity: 'error',
      message: `${target.name} runs no ${fn.trigger.type} functions (it runs ${kinds.join(', ')} functions)`,
    }))
}
