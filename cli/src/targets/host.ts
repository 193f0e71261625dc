import { spawnSync } from 'node:child_process'
import type { TargetHost } from '@xfn/core'
import { XfnError } from '@xfn/core'
import { finishDeploy, finishDestroy, step } from '../deploy-output.js'
import { driftOf, lastBuild } from '../drift.js'
import { commandLine } from '../hints.js'
import type { Project } from '../project.js'
import { anotherTargetThan, targetNamed } from './registry.js'

/** What a command gives the target it calls: its output, its questions, and the app's builds. */
export function targetHost(
  project: Project,
  options: {
    readonly json: boolean
    readonly yes?: boolean
    readonly log: (line: string) => void
    readonly notice: (line: string) => void
  },
): TargetHost {
  const log = (line: string) => {
    if (!options.json) options.log(line)
  }
  const ask = (question: string) => confirm(options.yes ?? false, question)
  return {
    project,
    log,
    notice: options.notice,
    commandLine: (...args) => commandLine(args, project.dir),
    confirm: ask,
    build: async (name, buildOptions = {}) => {
      const { buildApp } = await import('../build/index.js')
      const target = await targetNamed(project, name)
      return buildApp(project, target, { ...buildOptions, otherTarget: anotherTargetThan(name) })
    },
    step,
    finishDeploy: (plan, where, { dryRun, started, apply }) =>
      finishDeploy(plan, where, { dryRun, started, apply, log }),
    finishDestroy: (plan, where, { question, apply }) =>
      finishDestroy(plan, where, { question, confirm: ask, apply, log }),
    codeDrift: async (target, deployed, deployCommand) =>
      driftOf(deployed, await lastBuild(project, target), target, {
        build: commandLine(['build', '--cloud', target], project.dir),
        deploy: deployCommand,
      }),
    loadManifest: async (env) => (await import('../load-app.js')).loadManifest(project, env),
    sourceVersion: () => sourceVersion(project.dir),
  }
}

/** The git commit of a folder, and whether its tree has changes; nothing outside git. */
function sourceVersion(dir: string): { commit?: string; dirty?: boolean } {
  const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' })
  const head = git('rev-parse', 'HEAD')
  if (head.status !== 0) return {}
  return { commit: head.stdout.trim(), dirty: git('status', '--porcelain', '--', '.').stdout.trim() !== '' }
}

/** Asks before deleting, unless --yes; without a terminal to ask, --yes is required. */
async function confirm(yes: boolean, question: string): Promise<boolean> {
  if (yes) return true
  if (!process.stdin.isTTY)
    throw new XfnError('INVALID_OPTIONS', `${question} Pass --yes to confirm: there is no terminal to ask.`)
  const { createInterface } = await import('node:readline/promises')
  const prompt = createInterface({ input: process.stdin, output: process.stdout })
  const answer = await prompt.question(`${question} (y/N) `)
  prompt.close()
  return /^y(es)?$/i.test(answer.trim())
}
