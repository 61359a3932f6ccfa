using System.Numerics;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>
/// A set of 64-bit integers that stays small for the keys data usually has: runs and clusters of
/// ids. Values are grouped by their high 48 bits into chunks of 65,536; a chunk is a sorted array of
/// its low 16 bits until it holds 4,096 of them, then a bitmap of 8 KiB (the layout of Roaring
/// bitmaps). Ten million consecutive ids take 1.25 MB here against about 200 MB in a HashSet&lt;long&gt;.
/// When the values turn out scattered (most chunks hold one or two), it moves them into a
/// HashSet&lt;long&gt;, which is then the smaller. Not thread-safe.
/// </summary>
internal sealed class IntegerSet
{
    private const int ArrayLimit = 4096, BitmapWords = 1024;

    // Below this many chunks the per-chunk cost does not matter; above it, fewer than this many
    // values per chunk on average means the values are scattered.
    private const int ScatteredChunks = 1024, ClusteredValuesPerChunk = 8;

    private Dictionary<long, Chunk>? _chunks = [];
    private HashSet<long>? _scattered;

    public int Count { get; private set; }

    public bool Contains(long value)
    {
        if (_scattered is not null) return _scattered.Contains(value);
        return _chunks!.TryGetValue(value >> 16, out var chunk) && chunk.Contains((ushort)value);
    }

    /// <returns>False when the value was already there.</returns>
    public bool Add(long value)
    {
        if (_scattered is not null)
        {
            if (!_scattered.Add(value)) return false;
            Count++;
            return true;
        }
        var high = value >> 16;
        if (!_chunks!.TryGetValue(high, out var chunk)) _chunks[high] = chunk = new Chunk();
        if (!chunk.Add((ushort)value)) return false;
        Count++;
        if (_chunks.Count > ScatteredChunks && Count < _chunks.Count * ClusteredValuesPerChunk) Scatter();
        return true;
    }

    public bool Remove(long value)
    {
        bool removed;
        if (_scattered is not null)
        {
            removed = _scattered.Remove(value);
        }
        else
        {
            var high = value >> 16;
            removed = _chunks!.TryGetValue(high, out var chunk) && chunk.Remove((ushort)value);
            if (removed && chunk!.IsEmpty) _chunks.Remove(high);
        }
        if (removed) Count--;
        return removed;
    }

    private void Scatter()
    {
        var values = new HashSet<long>(Count);
        foreach (var (high, chunk) in _chunks!)
        {
            foreach (var low in chunk.Values()) values.Add((high << 16) | low);
        }
        _scattered = values;
        _chunks = null;
    }

    private sealed class Chunk
    {
        private ushort[]? _sorted = new ushort[4];
        private int _count;
        private ulong[]? _bitmap;

        public bool IsEmpty => _count == 0;

        public bool Contains(ushort low) => _bitmap is { } bits
            ? (bits[low >> 6] & (1UL << low)) != 0
            : Array.BinarySearch(_sorted!, 0, _count, low) >= 0;

        public bool Add(ushort low)
        {
            if (_bitmap is { } bits)
            {
                var mask = 1UL << low;
                if ((bits[low >> 6] & mask) != 0) return false;
                bits[low >> 6] |= mask;
                _count++;
                return true;
            }
            var at = Array.BinarySearch(_sorted!, 0, _count, low);
            if (at >= 0) return false;
            at = ~at;
            if (_count == ArrayLimit)
            {
                ToBitmap();
                return Add(low);
            }
            if (_count == _sorted!.Length) Array.Resize(ref _sorted, Math.Min(ArrayLimit, _count * 2));
            Array.Copy(_sorted, at, _sorted, at + 1, _count - at);
            _sorted[at] = low;
            _count++;
            return true;
        }

        public bool Remove(ushort low)
        {
            if (_bitmap is { } bits)
            {
                var mask = 1UL << low;
                if ((bits[low >> 6] & mask) == 0) return false;
                bits[low >> 6] &= ~mask;
                _count--;
                return true;
            }
            var at = Array.BinarySearch(_sorted!, 0, _count, low);
            if (at < 0) return false;
            Array.Copy(_sorted!, at + 1, _sorted!, at, _count - at - 1);
            _count--;
            return true;
        }

        public IEnumerable<long> Values()
        {
            if (_sorted is not null)
            {
                for (var i = 0; i < _count; i++) yield return _sorted[i];
                yield break;
            }
            for (var word = 0; word < BitmapWords; word++)
            {
                var bits = _bitmap![word];
                while (bits != 0)
                {
                    yield return word * 64 + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        }

        private void ToBitmap()
        {
            var bits = new ulong[BitmapWords];
            for (var i = 0; i < _count; i++) bits[_sorted![i] >> 6] |= 1UL << _sorted[i];
            _bitmap = bits;
            _sorted = null;
        }
    }
}
