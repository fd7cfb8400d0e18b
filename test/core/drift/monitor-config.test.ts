import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MONITOR_CONFIG,
  MonitorConfigError,
  parseMonitorConfig,
} from '../../../lambdas/core/drift/monitor-config.ts';

const issuesOf = (value: unknown) => {
  try {
    parseMonitorConfig(value);
  } catch (error) {
    if (error instanceof MonitorConfigError) return error.issues;
    throw error;
  }
  throw new Error('config was accepted');
};

describe('parseMonitorConfig', () => {
  it('turns an empty document into the shipped defaults', () => {
    expect(parseMonitorConfig({})).toEqual(DEFAULT_MONITOR_CONFIG);
    expect(DEFAULT_MONITOR_CONFIG.monitors.map((m) => m.kind)).toEqual([
      'drift',
      'prediction-drift',
      'data-quality',
      'volume',
      'performance',
    ]);
    expect(DEFAULT_MONITOR_CONFIG.baselines).toEqual({ trailingDays: 7, excludeAlertedDays: true });
  });

  it('fills defaults inside a user monitor', () => {
    const config = parseMonitorConfig({
      monitors: [{ kind: 'drift', id: 'blur', features: ['sharpness'] }],
    });
    expect(config.monitors[0]).toMatchObject({
      statistic: 'ks',
      alpha: 1e-6,
      baselines: ['reference', 'trailing'],
    });
  });

  it.each([
    [
      { monitors: [{ kind: 'drift', id: 'x', features: ['nope'] }] },
      'monitors.0.features.0',
      /unknown feature "nope"/,
    ],
    [
      { monitors: [{ kind: 'drift', id: 'x', statistic: 'psi' }] },
      'monitors.0.threshold',
      /needs a threshold/,
    ],
    [{ baselines: { trailingDays: 0 } }, 'baselines.trailingDays', /expected number to be >=1/],
    [{ monitors: [{ kind: 'sparkle', id: 'x' }] }, 'monitors.0.kind', /Invalid/],
    [
      {
        monitors: [
          { kind: 'volume', id: 'v' },
          { kind: 'volume', id: 'v' },
        ],
      },
      'monitors.1.id',
      /duplicate monitor id/,
    ],
    [
      { monitors: [{ kind: 'fixed-range', id: 'r', feature: 'luma.mean' }] },
      'monitors.0',
      /needs min and\/or max/,
    ],
    [
      { monitors: [{ kind: 'drift', id: 'x', baselines: ['fixed'] }] },
      'monitors.0.baselines',
      /fixedRange/,
    ],
    [{ colour: 'blue' }, '(root)', /Unrecognized key/],
  ])('rejects %j naming the offending field', (value, path, message) => {
    const issues = issuesOf(value);
    expect(issues.some((i) => i.path === path && message.test(i.message))).toBe(true);
  });
});
