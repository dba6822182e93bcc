import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import { validateMessage } from './validate.js';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    validateMessage(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    const e = error as ParleyError;
    expect(e.code).toBe('VALIDATION');
    expect(e.delivery).toBe('not_sent');
    return [...(e.issues ?? [])];
  }
  throw new Error('expected a VALIDATION error');
}

describe('validateMessage', () => {
  it.each([
    ['+57 300 123 4567', '573001234567'],
    ['573001234567', '573001234567'],
    ['0057 (300) 123-4567', '573001234567'],
    ['+44 20 7946 0958', '442079460958'],
    ['+1 (415) 555-2671', '14155552671'],
    ['+44 (0)20 7946 0958', '442079460958'],
  ])('normalises the recipient %s to %s', (to, digits) => {
    expect(validateMessage({ type: 'text', to, text: 'hi' }).to).toBe(digits);
  });

  it.each([
    ['+1 555', 'too short'],
    ['+57 300 123 4567 8901 23', 'too long'],
    ['call me', 'only digits'],
    ['+999 1234567', 'country calling code'],
    ['+81 14444444444444444', 'too long'],
    ['+49 00612805', 'ambiguous'],
    ['', 'only digits'],
  ])('rejects the impossible number %j, saying why', (to, why) => {
    const [issue] = issuesOf({ type: 'text', to, text: 'hi' });
    expect(issue?.path).toBe('to');
    expect(issue?.message).toContain(why);
  });

  it('rejects blank text', () => {
    expect(issuesOf({ type: 'text', to: '573001234567', text: ' \n\t ' })).toEqual([
      { path: 'text', message: 'text must not be empty or blank' },
    ]);
  });

  it('accepts text of 1 to 4096 characters, counting code points', () => {
    expect(validateMessage({ type: 'text', to: '573001234567', text: 'x' }).type).toBe('text');
    expect(() => validateMessage({ type: 'text', to: '573001234567', text: '😀'.repeat(4096) })).not.toThrow();
    expect(issuesOf({ type: 'text', to: '573001234567', text: 'x'.repeat(4097) })).toEqual([
      { path: 'text', message: 'text must be at most 4096 characters' },
    ]);
    expect(issuesOf({ type: 'text', to: '573001234567', text: '' })).toEqual([
      { path: 'text', message: 'text must not be empty or blank' },
    ]);
  });

  it.each([
    'https://cdn.example.com/a.jpg',
    'https://cdn.example.com/a.JPEG',
    'http://cdn.example.com/path/a.Png?size=large',
  ])('accepts the image URL %s', (url) => {
    expect(validateMessage({ type: 'image', to: '573001234567', url }).type).toBe('image');
  });

  it.each([
    ['ftp://cdn.example.com/a.jpg', 'absolute http(s) URL'],
    ['/a.jpg', 'absolute http(s) URL'],
    ['https://cdn.example.com/a.gif', '.jpg, .jpeg or .png'],
    ['https://cdn.example.com/a.jpg/x', '.jpg, .jpeg or .png'],
  ])('rejects the image URL %s', (url, why) => {
    const [issue] = issuesOf({ type: 'image', to: '573001234567', url });
    expect(issue?.path).toBe('url');
    expect(issue?.message).toContain(why);
  });

  it('names every bad field at once', () => {
    const issues = issuesOf({ type: 'image', to: '12', url: 'nope', caption: '' });
    expect(issues.map((i) => i.path).sort()).toEqual(['caption', 'to', 'url']);
  });

  it('requires a template name and string variables', () => {
    expect(issuesOf({ type: 'template', to: '573001234567', name: '  ' })).toEqual([
      { path: 'name', message: 'name is required' },
    ]);
    const [issue] = issuesOf({ type: 'template', to: '573001234567', name: 'promo', variables: ['a', 2] });
    expect(issue).toEqual({ path: 'variables.1', message: 'each variable must be a string' });
    const ok = validateMessage({
      type: 'template',
      to: '573001234567',
      name: 'promo',
      language: 'es_CO',
      variables: ['Ana'],
      components: [{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://x.test/a.png' } }] }],
    });
    expect(ok).toMatchObject({ name: 'promo', variables: ['Ana'] });
  });

  it('rejects an unknown type and unknown fields, naming them', () => {
    expect(issuesOf({ type: 'video', to: '573001234567' })[0]?.path).toBe('type');
    expect(issuesOf({ type: 'text', to: '573001234567', text: 'hi', txt: 'oops' })).toEqual([
      { path: 'txt', message: 'txt is not a known field' },
    ]);
  });

  it('says a missing field is required', () => {
    expect(issuesOf({ type: 'text', to: '573001234567' })).toEqual([{ path: 'text', message: 'text is required' }]);
  });

  it('rejects values that are not objects', () => {
    for (const input of [null, undefined, 'hello', 42, []]) expect(issuesOf(input).length).toBeGreaterThan(0);
  });
});
