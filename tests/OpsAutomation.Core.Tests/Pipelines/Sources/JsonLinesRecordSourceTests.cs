using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Tests.TestSupport;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class JsonLinesRecordSourceTests
{
    private static JsonLinesRecordSource Lines(string text, JsonSourceOptions? options = null) => Lines(Encoding.UTF8.GetBytes(text), options);

    private static JsonLinesRecordSource Lines(byte[] bytes, JsonSourceOptions? options = null) =>
        new(() => new MemoryStream(bytes, writable: false), "events.jsonl", options);

    [Fact]
    public async Task Each_line_is_a_record_located_by_its_line_and_blank_lines_take_no_position()
    {
        var items = await ReadAllAsync(Lines("{\"id\":1,\"name\":\"a\"}\n\n   \r\n{\"id\":2,\"name\":\"b\"}\r\n{\"id\":3,\"name\":\"c\"}"));
        Assert.Equal([1L, 2, 3], items.Select(i => i.Position));
        Assert.Equal(["events.jsonl:1", "events.jsonl:4", "events.jsonl:5"], items.Select(i => i.Location));
        Assert.Equal(["a", "b", "c"], items.Select(i => i.Record!["name"]));
    }

    [Fact]
    public async Task JSON_values_become_the_contract_types()
    {
        var json = "{\"i\":42,\"neg\":-7,\"big\":12345678901234567890,\"huge\":123456789012345678901234567890123,\"f\":1.5,\"e\":1e3," +
                   "\"t\":true,\"n\":null,\"s\":\"x\\u00e9\",\"o\":{\"k\":[1,\"two\",{\"z\":false}]}}";
        var record = Assert.Single(await ReadAllAsync(Lines(json))).Record!;
        Assert.Equal(42L, record["i"]);
        Assert.Equal(-7L, record["neg"]);
        Assert.Equal(12345678901234567890m, record["big"]);
        Assert.Equal(123456789012345678901234567890123d, record["huge"]);
        Assert.Equal(1.5d, record["f"]);
        Assert.Equal(1000d, record["e"]);
        Assert.Equal(true, record["t"]);
        Assert.Null(record["n"]);
        Assert.Equal("xé", record["s"]);
        var nested = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(record["o"]);
        var list = Assert.IsAssignableFrom<IReadOnlyList<object?>>(nested["k"]);
        Assert.Equal(1L, list[0]);
        Assert.Equal("two", list[1]);
        Assert.Equal(false, Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(list[2])["z"]);
    }

    [Fact]
    public async Task Records_with_the_same_keys_in_the_same_order_share_one_shape_and_others_get_their_own()
    {
        var items = await ReadAllAsync(Lines("{\"a\":1,\"b\":2}\n{\"a\":3,\"b\":4}\n{\"b\":5,\"c\":6}\n{\"a\":7,\"b\":8}\n"));
        var shapes = items.Select(i => i.Record!.Shape).ToList();
        Assert.Same(shapes[0], shapes[1]);
        Assert.Same(shapes[0], shapes[3]);
        Assert.Equal(["b", "c"], shapes[2].Names);
        Assert.Null(items[2].Record!["a"]);
    }

    [Theory]
    [InlineData("[1,2]", "a JSON array, not an object")]
    [InlineData("\"text\"", "a JSON string, not an object")]
    [InlineData("42", "a JSON number, not an object")]
    [InlineData("{\"a\":1} {\"b\":2}", "invalid after a single JSON value")]
    [InlineData("{\"a\":1,\"a\":2}", "Duplicate keys: 'a'")]
    public async Task A_line_that_is_not_one_object_is_a_problem_and_the_next_line_is_read(string line, string reason)
    {
        var items = await ReadAllAsync(Lines("{\"a\":0}\n" + line + "\n{\"a\":9}\n"));
        var problem = items[1].Problem!;
        Assert.Equal(2, problem.Position);
        Assert.StartsWith("events.jsonl:2", problem.Location, StringComparison.Ordinal);
        Assert.Contains(reason, problem.Reason, StringComparison.Ordinal);
        Assert.Equal(line, problem.RawText);
        Assert.Equal(9L, items[2].Record!["a"]);
    }

    [Fact]
    public async Task Invalid_JSON_is_a_problem_naming_line_and_column()
    {
        var items = await ReadAllAsync(Lines("{\"a\":0}\n{\"a\": x}\n"));
        var problem = items[1].Problem!;
        Assert.Equal("events.jsonl:2:7", problem.Location);
        Assert.StartsWith("line 2, byte column 7: invalid JSON:", problem.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_UTF8_is_a_problem_with_its_byte_column()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"a\":\"x").Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes("\"}\n{\"a\":\"ok\"}\n")).ToArray();
        var items = await ReadAllAsync(Lines(bytes));
        Assert.Equal("events.jsonl:1:8", items[0].Problem!.Location);
        Assert.Equal("ok", items[1].Record!["a"]);
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_fatal()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() =>
            ReadAllAsync(Lines("{\"a\":1}\n{\"a\":\"" + new string('x', 200) + "\"}\n", new JsonSourceOptions { BufferSize = 16, MaxRecordBytes = 64 })));
        Assert.Equal("events.jsonl:2", e.Location);
    }

    [Fact]
    public async Task A_missing_file_is_fatal_and_names_the_path()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "none.jsonl");
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(new JsonLinesRecordSource(path)));
        Assert.StartsWith(path + ": cannot open the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_buffer_size_and_skip_gives_the_same_items()
    {
        var text = "\uFEFF{\"a\":1,\"s\":\"é😀\"}\r\n\n[1]\n{\"a\":2,\"o\":{\"x\":[1,2,3]}}\n{bad\n{\"b\":true}";
        var bytes = Encoding.UTF8.GetBytes(text);
        var all = await ReadAllAsync(Lines(bytes));
        Assert.Equal(5, all.Count);
        var expected = Render(all);
        for (var size = 1; size <= 7; size++)
            Assert.Equal(expected, Render(await ReadAllAsync(Lines(bytes, new JsonSourceOptions { BufferSize = size }))));
        for (var skip = 0; skip <= all.Count; skip++)
            Assert.Equal(Render(all.Skip(skip)), Render(await ReadAllAsync(Lines(bytes, new JsonSourceOptions { BufferSize = 5 }), skip)));
    }
}
