using System.Buffers;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// The unread part of a stream in one pooled buffer: <see cref="FillAsync"/> moves what is left to
/// the front and reads until the buffer is full, doubling it while a single record does not fit.
/// </summary>
internal sealed class ByteWindow : IDisposable
{
    private readonly int _maxRecordBytes;
    private byte[] _buffer;
    private int _capacity;

    public ByteWindow(int bufferSize, int maxRecordBytes)
    {
        _capacity = bufferSize;
        _maxRecordBytes = maxRecordBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    public byte[] Buffer => _buffer;

    public int Start { get; set; }

    public int End { get; private set; }

    /// <summary>True once the stream has no more bytes.</summary>
    public bool Eof { get; private set; }

    public ReadOnlySpan<byte> Unread => _buffer.AsSpan(Start, End - Start);

    /// <summary>Reads more; false when the unread bytes already fill <c>MaxRecordBytes</c>, so one record is too long.</summary>
    public async ValueTask<bool> FillAsync(Stream stream, CancellationToken cancellationToken)
    {
        var pending = End - Start;
        if (Start > 0)
        {
            System.Buffer.BlockCopy(_buffer, Start, _buffer, 0, pending);
            Start = 0;
            End = pending;
        }
        if (End == _capacity)
        {
            if (_capacity >= _maxRecordBytes) return false;
            _capacity = (int)Math.Min((long)_capacity * 2, _maxRecordBytes);
            if (_capacity > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_capacity);
                System.Buffer.BlockCopy(_buffer, 0, larger, 0, End);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
        }
        var wanted = _capacity - End;
        var read = await stream.ReadAtLeastAsync(_buffer.AsMemory(End, wanted), wanted, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        End += read;
        if (read < wanted) Eof = true;
        return true;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
