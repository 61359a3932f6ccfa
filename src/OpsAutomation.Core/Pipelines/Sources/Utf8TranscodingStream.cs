using System.Text;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Reads a stream in another encoding as UTF-8, chunk by chunk. Bytes invalid in the source
/// encoding become 0xFF bytes, which are never valid UTF-8, so the CSV parser reports them at
/// their record and column as it does for a UTF-8 file. (.NET's own transcoding stream replaces
/// them with U+FFFD, which would pass as data.)
/// </summary>
internal sealed class Utf8TranscodingStream : Stream
{
    // Fallbacks may not emit lone surrogates, so the mark is the noncharacter U+FFFF (UTF-8 EF BF BF),
    // rewritten to FF FF FF after encoding. A U+FFFF in the source itself is reported too: it is not text.
    private const char Mark = '\uFFFF';

    private readonly Stream _inner;
    private readonly Decoder _decoder;
    private readonly Encoder _encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
    private readonly byte[] _input;
    private readonly char[] _chars;
    private byte[] _output;
    private int _outputStart;
    private int _outputEnd;
    private bool _finished;

    public Utf8TranscodingStream(Stream inner, Encoding encoding, int bufferSize)
    {
        _inner = inner;
        var marking = (Encoding)encoding.Clone();
        marking.DecoderFallback = new MarkingFallback();
        _decoder = marking.GetDecoder();
        var size = Math.Max(bufferSize, 16);
        _input = new byte[size];
        _chars = new char[size];
        _output = new byte[size * 3];
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_outputStart == _outputEnd)
        {
            if (_finished) return 0;
            Transcode(_inner.Read(_input));
        }
        return Drain(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_outputStart == _outputEnd)
        {
            if (_finished) return 0;
            Transcode(await _inner.ReadAsync(_input, cancellationToken).ConfigureAwait(false));
        }
        return Drain(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Drain(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _outputEnd - _outputStart);
        _output.AsSpan(_outputStart, count).CopyTo(buffer);
        _outputStart += count;
        return count;
    }

    private void Transcode(int read)
    {
        var flush = read == 0;
        _outputStart = _outputEnd = 0;
        var used = 0;
        bool completed;
        do
        {
            _decoder.Convert(_input.AsSpan(used, read - used), _chars, flush, out var bytesUsed, out var charsUsed, out completed);
            used += bytesUsed;
            var needed = _encoder.GetByteCount(_chars.AsSpan(0, charsUsed), flush);
            if (_outputEnd + needed > _output.Length)
                Array.Resize(ref _output, Math.Max(_output.Length * 2, _outputEnd + needed));
            var first = _outputEnd;
            _outputEnd += _encoder.GetBytes(_chars.AsSpan(0, charsUsed), _output.AsSpan(_outputEnd), flush);
            if (_chars.AsSpan(0, charsUsed).Contains(Mark))
                Unmark(_output.AsSpan(first, _outputEnd - first));
        }
        while (used < read || (flush && !completed));
        _finished = flush;
    }

    private static void Unmark(Span<byte> utf8)
    {
        ReadOnlySpan<byte> mark = [0xEF, 0xBF, 0xBF];
        int at;
        while ((at = utf8.IndexOf(mark)) >= 0)
        {
            utf8.Slice(at, 3).Fill(0xFF);
            utf8 = utf8[(at + 3)..];
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class MarkingFallback : DecoderFallback
    {
        public override int MaxCharCount => 1;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        private sealed class Buffer : DecoderFallbackBuffer
        {
            private int _remaining;

            public override int Remaining => _remaining;

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                _remaining = 1;
                return true;
            }

            public override char GetNextChar()
            {
                if (_remaining == 0) return '\0';
                _remaining--;
                return Mark;
            }

            public override bool MovePrevious()
            {
                if (_remaining != 0) return false;
                _remaining = 1;
                return true;
            }

            public override void Reset() => _remaining = 0;
        }
    }
}
