using System.Text.Json.Nodes;
using OpsAutomation.Sandbox.Api;
using OpsAutomation.Sandbox.Api.Patching;

namespace OpsAutomation.Sandbox.Tests.Api.Patching;

public sealed class PatchTests
{
    private static readonly StrategicMergePatch Strategic = new(OpenApiDocuments.Load());

    private static readonly JsonObject Deployment = JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","finalizers":["a","b"]},
         "spec":{"template":{"spec":{"containers":[
            {"name":"app","image":"sample:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["x","y"]},
            {"name":"proxy","image":"proxy:1"}]}}}}
        """)!.AsObject();

    [Theory]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"proxy","$patch":"delete"}]}}}}""",
        """[{"name":"app","image":"sample:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["x","y"]}]""")]
    [InlineData("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"proxy"}],"containers":[{"name":"app","args":["z"]}]}}}}""",
        """[{"name":"app","image":"sample:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["z"]},{"name":"proxy","image":"proxy:1"}]""")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"A","$patch":"delete"},{"name":"C","value":"3"}]}]}}}}""",
        """[{"name":"app","image":"sample:1","env":[{"name":"B","value":"2"},{"name":"C","value":"3"}],"args":["x","y"]},{"name":"proxy","image":"proxy:1"}]""")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"s:1"}]}}}}""",
        """[{"name":"app","image":"sample:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["x","y"]},{"name":"proxy","image":"proxy:1"},{"name":"sidecar","image":"s:1"}]""")]
    public void Strategic_merge_patch_merges_lists_by_their_keys_and_honours_directives(string patch, string containers)
    {
        var patched = Strategic.Apply(ResourceRegistry.Builtin.Get("apps/v1", "Deployment"), Deployment, JsonNode.Parse(patch)!);

        Assert.Equal(containers, patched["spec"]!["template"]!["spec"]!["containers"]!.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_patch_unions_primitive_merge_lists_and_deletes_from_them()
    {
        var patched = Strategic.Apply(ResourceRegistry.Builtin.Get("apps/v1", "Deployment"), Deployment,
            JsonNode.Parse("""{"metadata":{"finalizers":["c"],"$deleteFromPrimitiveList/finalizers":["a"]}}""")!);

        Assert.Equal("""["b","c"]""", patched["metadata"]!["finalizers"]!.ToJsonString());
    }

    [Fact]
    public void A_json_patch_whose_test_fails_is_the_servers_422()
    {
        var error = Assert.Throws<ApiException>(() => JsonPatch.Apply(Deployment,
            JsonNode.Parse("""[{"op":"test","path":"/metadata/name","value":"other"},{"op":"remove","path":"/metadata"}]""")!));

        Assert.Equal((422, "Invalid", "the server rejected our request due to an error in our request"),
            (error.Code, error.Status.Reason, error.Status.Message));
    }

    [Fact]
    public void Json_patch_adds_moves_and_removes_by_pointer()
    {
        var patched = JsonPatch.Apply(Deployment, JsonNode.Parse("""
            [{"op":"add","path":"/metadata/labels","value":{"a/b":"1"}},
             {"op":"move","from":"/metadata/labels/a~1b","path":"/metadata/labels/c"},
             {"op":"remove","path":"/spec/template/spec/containers/1"}]
            """)!);

        Assert.Equal("""{"c":"1"}""", patched["metadata"]!["labels"]!.ToJsonString());
        Assert.Single(patched["spec"]!["template"]!["spec"]!["containers"]!.AsArray());
    }

    [Fact]
    public void Merge_patch_null_deletes_and_objects_merge()
    {
        var patched = MergePatch.Apply(Deployment, JsonNode.Parse("""{"metadata":{"finalizers":null,"labels":{"x":"y"}}}"""))!;

        Assert.Null(patched["metadata"]!["finalizers"]);
        Assert.Equal("web", patched["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("y", patched["metadata"]!["labels"]!["x"]!.GetValue<string>());
    }
}
