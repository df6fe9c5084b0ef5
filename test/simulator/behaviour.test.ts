import { describe, expect, it } from 'vitest'
import { behaviourFor, parseBehaviour, PLAIN_BEHAVIOUR } from '../../src/providers/simulator-kit/behaviour.ts'

describe('parseBehaviour', () => {
  it('returns null when the text has no marker', () => {
    expect(parseBehaviour('')).toBeNull()
    expect(parseBehaviour('upbeat acoustic guitar')).toBeNull()
  })

  it('reads each outcome marker', () => {
    expect(parseBehaviour('#fail')?.outcome).toBe('fail')
    expect(parseBehaviour('song #timeout')?.outcome).toBe('timeout')
    expect(parseBehaviour('#cancel please')?.outcome).toBe('cancel')
    expect(parseBehaviour('x #hang y')?.outcome).toBe('hang')
  })

  it('reads the callback markers and keeps a success outcome', () => {
    expect(parseBehaviour('#no-callback')).toEqual({ ...PLAIN_BEHAVIOUR, noCallback: true })
    expect(parseBehaviour('#double-callback')).toEqual({ ...PLAIN_BEHAVIOUR, doubleCallback: true })
    expect(parseBehaviour('#stale-callback')).toEqual({ ...PLAIN_BEHAVIOUR, staleCallback: true })
  })

  it('reads #delay=<ms>', () => {
    expect(parseBehaviour('#delay=1500')).toEqual({ ...PLAIN_BEHAVIOUR, delayMs: 1500 })
    expect(parseBehaviour('#delay=0')?.delayMs).toBe(0)
    expect(parseBehaviour('#delay=99999999999')?.delayMs).toBe(2 ** 31 - 1)
  })

  it('combines markers', () => {
    expect(parseBehaviour('lofi beat #fail #double-callback #delay=10')).toEqual({
      outcome: 'fail',
      noCallback: false,
      doubleCallback: true,
      staleCallback: false,
      delayMs: 10
    })
    expect(parseBehaviour('#stale-callback,#double-callback')).toMatchObject({ doubleCallback: true, staleCallback: true })
  })

  it('lets the last outcome win', () => {
    expect(parseBehaviour('#fail #cancel')?.outcome).toBe('cancel')
    expect(parseBehaviour('#hang #fail')?.outcome).toBe('fail')
  })

  it('is case-insensitive and accepts punctuation around markers', () => {
    expect(parseBehaviour('(#FAIL)')?.outcome).toBe('fail')
    expect(parseBehaviour('end. #Timeout.')?.outcome).toBe('timeout')
  })

  it('ignores words that only look like markers', () => {
    expect(parseBehaviour('#failure')).toBeNull()
    expect(parseBehaviour('a#fail')).toBeNull()
    expect(parseBehaviour('##fail')).toBeNull()
    expect(parseBehaviour('#delay=abc')).toBeNull()
    expect(parseBehaviour('#delay=')).toBeNull()
    expect(parseBehaviour('#no-callbacks')).toBeNull()
    expect(parseBehaviour('fail timeout')).toBeNull()
  })
})

describe('behaviourFor', () => {
  it('reads markers from prompt and text', () => {
    expect(behaviourFor({ prompt: 'calm #fail' }).outcome).toBe('fail')
    expect(behaviourFor({ text: 'Hello there #cancel' }).outcome).toBe('cancel')
    expect(behaviourFor({ prompt: '#fail', text: '#no-callback' })).toMatchObject({ outcome: 'fail', noCallback: true })
  })

  it('ignores markers in other fields', () => {
    expect(behaviourFor({ prompt: 'calm', params: '#fail' })).toEqual(PLAIN_BEHAVIOUR)
  })

  it('applies the default only when the body has no marker', () => {
    expect(behaviourFor({ prompt: 'calm' }, { outcome: 'timeout' })).toEqual({ ...PLAIN_BEHAVIOUR, outcome: 'timeout' })
    expect(behaviourFor({ prompt: 'calm #cancel' }, { outcome: 'timeout', noCallback: true })).toEqual({ ...PLAIN_BEHAVIOUR, outcome: 'cancel' })
    expect(behaviourFor({})).toEqual(PLAIN_BEHAVIOUR)
  })
})
