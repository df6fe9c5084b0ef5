import { describe, expect, it } from 'vitest'
import { encodeSseFrame } from '../../src/sse/encode.ts'

describe('encodeSseFrame', () => {
  it('writes id, event and JSON data, ended by a blank line', () => {
    expect(encodeSseFrame({ id: 7, event: 'task.queued', data: { a: 1 } })).toBe('id: 7\nevent: task.queued\ndata: {"a":1}\n\n')
  })

  it('splits multi-line data and comments into one field per line', () => {
    expect(encodeSseFrame({ data: 'one\ntwo\r\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n')
    expect(encodeSseFrame({ comment: 'a\nb' })).toBe(': a\n: b\n\n')
  })

  it('writes a retry hint and a bare id', () => {
    expect(encodeSseFrame({ retry: 3000 })).toBe('retry: 3000\n\n')
    expect(encodeSseFrame({ id: 42 })).toBe('id: 42\n\n')
  })

  it('cannot be broken out of by line breaks in id or event', () => {
    expect(encodeSseFrame({ id: '1\ndata: x', event: 'a\nb' })).toBe('id: 1data: x\nevent: ab\n\n')
  })
})
