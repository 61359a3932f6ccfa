using System.Threading.Channels;
using OpsAutomation.Core.Pipelines.Sources;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class EnumerableRecordSourceTests
{
    private static async IAsyncEnumerable<IReadOnlyDictionary<string, object?>?> Objects(params IReadOnlyDictionary<string, object?>?[] items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }

    private static Dictionary<string, object?> Row(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Objects_become_records_in_arrival_order_with_their_values_untouched()
    {
        var when = DateTimeOffset.UnixEpoch;
        var items = await ReadAllAsync(new EnumerableRecordSource(Objects(Row(("id", 1), ("at", when)), Row(("id", 2), ("at", null)))));
        Assert.Equal([1L, 2], items.Select(i => i.Position));
        Assert.Equal(["pipeline object 1", "pipeline object 2"], items.Select(i => i.Location));
        Assert.Equal(1, items[0].Record!["id"]);
        Assert.Equal(when, items[0].Record!["at"]);
        Assert.Same(items[0].Record!.Shape, items[1].Record!.Shape);
    }

    [Fact]
    public async Task A_null_object_or_an_empty_key_is_a_problem_at_its_position()
    {
        var items = await ReadAllAsync(new EnumerableRecordSource(Objects(Row(("a", 1)), null, Row(("", 3)), Row(("a", 4)))));
        Assert.Equal("object 2 is null.", items[1].Problem!.Reason);
        Assert.Equal(3, items[2].Problem!.Position);
        Assert.Contains("empty name", items[2].Problem!.Reason, StringComparison.Ordinal);
        Assert.Equal(4, items[3].Record!["a"]);
    }

    [Fact]
    public async Task A_field_that_could_not_be_read_makes_its_object_a_problem_naming_the_field()
    {
        var nested = Row(("inner", new UnreadableValue("getter threw")));
        var items = await ReadAllAsync(new EnumerableRecordSource(Objects(
            Row(("id", 1), ("size", new UnreadableValue("the disk is gone"))), Row(("id", 2), ("meta", nested)), Row(("id", 3)))));

        Assert.Equal("pipeline object 1, property 'size'", items[0].Location);
        Assert.Equal("property 'size' of object 1 could not be read: the disk is gone", items[0].Problem!.Reason);
        Assert.Equal("id=1", items[0].Problem!.RawText);
        Assert.Equal("pipeline object 2, property 'meta.inner'", items[1].Problem!.Location);
        Assert.Equal(3, items[2].Record!["id"]);
    }

    [Fact]
    public async Task Objects_with_other_keys_get_their_own_shape()
    {
        var items = await ReadAllAsync(new EnumerableRecordSource(Objects(Row(("a", 1)), Row(("b", 2)), Row(("a", 3)))));
        Assert.Equal(["b"], items[1].Record!.Shape.Names);
        Assert.Same(items[0].Record!.Shape, items[2].Record!.Shape);
    }

    [Fact]
    public async Task A_channel_is_read_until_its_writer_completes_it_and_skipped_objects_are_passed_over()
    {
        var channel = Channel.CreateBounded<IReadOnlyDictionary<string, object?>?>(2);
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 5; i++)
                await channel.Writer.WriteAsync(Row(("n", i)));
            channel.Writer.Complete();
        });
        var items = await ReadAllAsync(new EnumerableRecordSource(channel.Reader, "Get-Orders"), skip: 3);
        await writer;
        Assert.Equal([4, 5], items.Select(i => i.Record!["n"]));
        Assert.Equal([4L, 5], items.Select(i => i.Position));
        Assert.Equal("Get-Orders object 4", items[0].Location);
    }

    [Fact]
    public async Task A_second_read_is_refused_because_the_objects_are_gone()
    {
        var source = new EnumerableRecordSource(Objects(Row(("a", 1))));
        await ReadAllAsync(source);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ReadAllAsync(source));
    }
}
