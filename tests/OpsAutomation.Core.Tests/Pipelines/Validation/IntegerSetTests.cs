using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

/// <summary>IntegerSet against HashSet&lt;long&gt; as the oracle, over the value patterns that take each of its layouts.</summary>
public sealed class IntegerSetTests
{
    public static TheoryData<string> Patterns => ["consecutive", "clustered", "scattered", "negative and boundary", "bitmap and back"];

    private static IEnumerable<long> Values(string pattern, Random random) => pattern switch
    {
        // One chunk past 4,096 values becomes a bitmap.
        "consecutive" => Enumerable.Range(1, 200_000).Select(i => (long)i),
        "clustered" => Enumerable.Range(0, 50_000).Select(i => (long)(i / 100) * 1_000_000 + random.Next(0, 500)),
        // Far apart: the set moves them into a HashSet.
        "scattered" => Enumerable.Range(0, 20_000).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)),
        "negative and boundary" => new long[] { long.MinValue, long.MinValue + 1, -65_537, -65_536, -65_535, -1, 0, 1, 65_535, 65_536, long.MaxValue - 1, long.MaxValue }
            .Concat(Enumerable.Range(-5_000, 10_000).Select(i => (long)i)),
        "bitmap and back" => Enumerable.Range(0, 10_000).Select(_ => (long)random.Next(0, 65_536)),
        _ => throw new ArgumentOutOfRangeException(nameof(pattern)),
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Adds_removes_and_finds_what_a_HashSet_does(string pattern)
    {
        var random = new Random(pattern.Length);
        var set = new IntegerSet();
        var oracle = new HashSet<long>();
        var values = Values(pattern, random).ToList();
        foreach (var value in values) Assert.Equal(oracle.Add(value), set.Add(value));
        Assert.Equal(oracle.Count, set.Count);

        // Every other value out, then back in: removal works in both layouts.
        foreach (var value in values.Where((_, i) => i % 2 == 0)) Assert.Equal(oracle.Remove(value), set.Remove(value));
        Assert.Equal(oracle.Count, set.Count);
        foreach (var value in values) Assert.Equal(oracle.Contains(value), set.Contains(value));
        foreach (var probe in Enumerable.Range(0, 5_000).Select(_ => random.NextInt64(-200_000, 200_000))) Assert.Equal(oracle.Contains(probe), set.Contains(probe));
        foreach (var value in values) Assert.Equal(oracle.Add(value), set.Add(value));
        Assert.Equal(oracle.Count, set.Count);
    }

    [Fact]
    public void Ten_million_consecutive_ids_take_a_few_megabytes()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var set = new IntegerSet();
        for (var id = 1L; id <= 10_000_000; id++) set.Add(id);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_000_000, set.Count);
        // A HashSet<long> of the same allocates over 200 MB (its arrays and their resizes).
        Assert.InRange(allocated, 0, 4_000_000);
    }
}
