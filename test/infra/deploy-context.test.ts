import { describe, expect, it } from 'vitest';
import { DeployContextError, settingsFromContext } from '../../infra/deploy-context.ts';
import { environmentConfig } from '../../infra/environments.ts';

/** `cdk … -c key=value` as the CLI passes it (every value a string), applied to dev. */
function devWith(context: Record<string, unknown>, files: Record<string, string> = {}) {
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return text;
  };
  return environmentConfig(
    'dev',
    settingsFromContext((key) => context[key], readFile),
  );
}

describe('deploy-time settings (-c)', () => {
  it('reads comma-separated recipients, HH:MM, a zone, caps and a monitor config file', () => {
    const config = devWith(
      {
        alertEmails: ' a@x.org, b@y.org ,',
        timeZone: 'America/New_York',
        nightly: '4:05',
        imagesConcurrency: '100',
        labelsConcurrency: '4',
        monitorConfig: 'monitors.json',
      },
      { 'monitors.json': '{"segments": {"fromKey": true}}' },
    );
    expect(config).toMatchObject({
      alertEmails: ['a@x.org', 'b@y.org'],
      timeZone: 'America/New_York',
      nightly: { hour: 4, minute: 5 },
      imagesConcurrency: 100,
      labelsConcurrency: 4,
      monitorConfig: { segments: { fromKey: true } },
      retainData: false,
    });
  });

  it('keeps the environment defaults for what is not given, and takes native values from cdk.json', () => {
    expect(devWith({})).toMatchObject({ alertEmails: [], timeZone: 'UTC', imagesConcurrency: 5 });
    expect(devWith({ alertEmails: ['a@x.org'], nightly: { hour: 1, minute: 0 } })).toMatchObject({
      alertEmails: ['a@x.org'],
      nightly: { hour: 1, minute: 0 },
    });
    expect(devWith({ alertEmails: '' }).alertEmails).toEqual([]);
  });

  it('names the setting and the bad value', () => {
    expect(() => devWith({ alertEmails: 'a@x.org,not-an-email' })).toThrow(
      'alertEmails.1: not an email address (got "not-an-email")',
    );
    expect(() => devWith({ timeZone: 'Mars/Olympus' })).toThrow(
      'timeZone: not an IANA time zone (e.g. UTC, Europe/Paris) (got "Mars/Olympus")',
    );
    expect(() => devWith({ nightly: '25:00' })).toThrow(/nightly\.hour: .*\(got 25\)/);
    expect(() => devWith({ nightly: 'noon' })).toThrow(
      new DeployContextError('-c nightly: expected HH:MM such as 02:30, got "noon"'),
    );
    expect(() => devWith({ imagesConcurrency: '1' })).toThrow(/imagesConcurrency: .*\(got 1\)/);
    expect(() => devWith({ labelsConcurrency: 'lots' })).toThrow(
      '-c labelsConcurrency: expected a whole number, got "lots"',
    );
  });

  it('refuses a monitor config file that is missing, not JSON, invalid or too big for Lambda', () => {
    expect(() => devWith({ monitorConfig: 'missing.json' })).toThrow(
      '-c monitorConfig: cannot read "missing.json" (ENOENT)',
    );
    expect(() => devWith({ monitorConfig: 'm.json' }, { 'm.json': '{oops' })).toThrow(
      /-c monitorConfig: "m\.json" is not JSON/,
    );
    expect(() => devWith({ monitorConfig: 'm.json' }, { 'm.json': '[1]' })).toThrow(
      /must hold a JSON object/,
    );
    expect(() =>
      devWith({ monitorConfig: 'm.json' }, { 'm.json': '{"segments": {"fromKey": "yes"}}' }),
    ).toThrow(/monitorConfig: invalid monitor config:\n\s+segments\.fromKey/);
    const big = JSON.stringify({ x: 'y'.repeat(4000) });
    expect(() => devWith({ monitorConfig: 'm.json' }, { 'm.json': big })).toThrow(
      /fit in a Lambda environment variable/,
    );
  });

  it('never echoes a long or hostile value in full', () => {
    const hostile = `\u001b[31m${'x'.repeat(10_000)}`;
    let message = '';
    try {
      devWith({ timeZone: hostile });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/timeZone: not an IANA time zone/);
    expect(message.length).toBeLessThan(300);
    expect(message).not.toContain('\u001b');
  });

  it('takes batches of 100 by default, at most 1,000, and more than 10 only with a batching window', () => {
    expect(environmentConfig('dev')).toMatchObject({
      batchSize: 100,
      maxBatchingWindowSeconds: 20,
    });
    expect(environmentConfig('dev', { batchSize: 1000 }).batchSize).toBe(1000);
    expect(() => environmentConfig('dev', { batchSize: 1001 })).toThrow(
      /batchSize: .*\(got 1001\)/,
    );
    expect(() => environmentConfig('dev', { batchSize: 50, maxBatchingWindowSeconds: 0 })).toThrow(
      /maxBatchingWindowSeconds: a batchSize above 10 needs/,
    );
    expect(environmentConfig('dev', { batchSize: 10, maxBatchingWindowSeconds: 0 }).batchSize).toBe(
      10,
    );
  });
});
