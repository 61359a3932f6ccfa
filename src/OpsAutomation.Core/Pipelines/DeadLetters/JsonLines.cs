using System.Runtime.CompilerServices;

namespace OpsAutomation.Core.Pipelines.DeadLetters;

/// <summary>Reading a JSON Lines file by byte offsets: which bytes hold whole lines, and the lines in them.</summary>
internal static class JsonLines
{
    /// <summary>The length up to and including the file's last newline: what holds whole lines.</summary>
    public static async Task<long> CompleteLengthAsync(FileStream stream, CancellationToken cancellationToken)
    {
        var chunk = new byte[8192];
        for (var end = stream.Length; end > 0;)
        {
            var start = Math.Max(0, end - chunk.Length);
            var read = await RandomAccess.ReadAsync(stream.SafeFileHandle, chunk.AsMemory(0, (int)(end - start)), start, cancellationToken).ConfigureAwait(false);
            var newline = chunk.AsSpan(0, read).LastIndexOf((byte)'\n');
            if (newline >= 0) return start + newline + 1;
            end = start;
        }
        return 0;
    }

    /// <summary>
    /// The lines in the first <paramref name="limit"/> bytes (which end in a newline), without their
    /// line ends, numbered from 1. Each line's memory is valid until the next is asked for.
    /// </summary>
    public static async IAsyncEnumerable<(ReadOnlyMemory<byte> Line, long Number)> ReadLinesAsync(FileStream stream, long limit,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        int start = 0, end = 0;
        long offset = 0, number = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = buffer.AsMemory(start, newline);
                if (number == 0 && line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
                if (line.Span.EndsWith("\r"u8)) line = line[..^1];
                yield return (line, ++number);
                start += newline + 1;
                continue;
            }
            if (offset >= limit) yield break;
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var read = await RandomAccess.ReadAsync(stream.SafeFileHandle, buffer.AsMemory(end, (int)Math.Min(buffer.Length - end, limit - offset)), offset, cancellationToken).ConfigureAwait(false);
            if (read == 0) yield break;
            end += read;
            offset += read;
        }
    }

    /// <summary>Nothing but spaces, tabs and carriage returns: a line that holds no letter.</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;
}
