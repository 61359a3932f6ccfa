using System.Text;
using OpsAutomation.Core.Pipelines.Sources;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class JsonArrayRecordSourceTests
{
    private static JsonArrayRecordSource Array(string text, JsonSourceOptions? options = null) => Array(Encoding.UTF8.GetBytes(text), options);

    private static JsonArrayRecordSource Array(byte[] bytes, JsonSourceOptions? options = null) =>
        new(() => new MemoryStream(bytes, writable: false), "orders.json", options);

    [Fact]
    public async Task Each_element_is_a_record_located_by_its_array_index()
    {
        var items = await ReadAllAsync(Array("[\n  {\"id\": 1, \"tags\": [\"a\"]},\n  {\"id\": 2, \"tags\": []}\n]\n"));
        Assert.Equal([1L, 2], items.Select(i => i.Position));
        Assert.Equal(["orders.json[0]", "orders.json[1]"], items.Select(i => i.Location));
        Assert.Equal([1L, 2L], items.Select(i => i.Record!["id"]));
        Assert.Equal(["a"], Assert.IsAssignableFrom<IReadOnlyList<object?>>(items[0].Record!["tags"]));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("  [ ]  \n")]
    public async Task An_empty_array_has_no_records(string json)
    {
        Assert.Empty(await ReadAllAsync(Array(json)));
    }

    [Fact]
    public async Task An_element_that_is_not_an_object_is_a_problem_and_the_next_is_read()
    {
        var items = await ReadAllAsync(Array("[{\"a\":1}, 42, [1,{\"b\":2}], \"s\", {\"a\":1,\"a\":2}, {\"a\":3}]"));
        Assert.Equal(6, items.Count);
        Assert.Equal("element 1 is a JSON number, not an object.", items[1].Problem!.Reason);
        Assert.Equal("orders.json[1]", items[1].Problem!.Location);
        Assert.Equal("42", items[1].Problem!.RawText);
        Assert.Equal("[1,{\"b\":2}]", items[2].Problem!.RawText);
        Assert.Equal("\"s\"", items[3].Problem!.RawText);
        Assert.Contains("Duplicate keys: 'a'", items[4].Problem!.Reason, StringComparison.Ordinal);
        Assert.Equal(3L, items[5].Record!["a"]);
    }

    [Theory]
    [InlineData("{\"a\":1}", "orders.json:1:1", "not an array")]
    [InlineData("\n\n  \"x\"", "orders.json:3:3", "not an array")]
    [InlineData("", "orders.json:1:1", "does not contain any JSON tokens")]
    [InlineData("[{\"a\":1}] [2]", "orders.json:1:11", "invalid after a single JSON value")]
    public async Task A_document_that_is_not_one_array_is_fatal_with_its_location(string json, string location, string message)
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(Array(json, new JsonSourceOptions { BufferSize = 2 })));
        Assert.Equal(location, e.Location);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_JSON_inside_the_array_is_fatal_after_the_elements_before_it_with_line_and_column()
    {
        var items = new List<SourceItem>();
        var e = await Assert.ThrowsAsync<DataSourceException>(async () =>
        {
            await foreach (var item in Array("[\n{\"a\":1},\n{\"a\":2},\n{\"a\" 3}\n]", new JsonSourceOptions { BufferSize = 4 }).ReadAsync(CancellationToken.None))
                items.Add(item);
        });
        Assert.Equal(2, items.Count);
        Assert.Equal("orders.json:4:6", e.Location);
        Assert.Contains("invalid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_array_is_fatal()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(Array("[{\"a\":1},{\"a\":")));
        Assert.StartsWith("orders.json:1:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_buffer_size_and_skip_gives_the_same_items()
    {
        var text = "\uFEFF[ {\"a\":1,\"s\":\"é😀\\\"]\"}, 7,\r\n {\"a\":2,\"o\":{\"x\":[1,2.5,null]}}, {\"b\":true} ,{\"a\":-1e2}]\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        var all = await ReadAllAsync(Array(bytes));
        Assert.Equal(5, all.Count);
        var expected = Render(all);
        for (var size = 1; size <= 7; size++)
            Assert.Equal(expected, Render(await ReadAllAsync(Array(bytes, new JsonSourceOptions { BufferSize = size }))));
        for (var skip = 0; skip <= all.Count; skip++)
            Assert.Equal(Render(all.Skip(skip)), Render(await ReadAllAsync(Array(bytes, new JsonSourceOptions { BufferSize = 3 }), skip)));
    }

    [Fact]
    public async Task A_large_array_streams_in_a_buffer_much_smaller_than_the_file()
    {
        var text = "[" + string.Join(",", Enumerable.Range(1, 5000).Select(i => $"{{\"id\":{i},\"pad\":\"{new string('p', 50)}\"}}")) + "]";
        var options = new JsonSourceOptions { BufferSize = 1024, MaxRecordBytes = 1024 };
        var items = await ReadAllAsync(Array(text, options));
        Assert.Equal(Enumerable.Range(1, 5000).Select(i => (object)(long)i), items.Select(i => i.Record!["id"]));
    }
}
