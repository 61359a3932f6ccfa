using System.Text.Json.Nodes;
using OpsAutomation.Core.Deployment.Manifests;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Deployment.Manifests;

public sealed class ManifestReaderTests
{
    private static IReadOnlyList<Manifest> Parse(string text, ManifestReadOptions? options = null) =>
        ManifestReader.Parse(text, "app.yaml", options ?? new ManifestReadOptions { Environment = _ => null });

    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: one
        spec:
          containers:
          - name: web
            image: ${IMAGE}
        """;

    [Fact]
    public void Several_documents_and_a_list_are_read_with_their_lines()
    {
        var manifests = Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# only a comment\n---\n" +
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"c\"}}\n");

        Assert.Equal(["a", "b", "c"], manifests.Select(m => m.Name));
        Assert.Equal([1, 8, 15], manifests.Select(m => m.Source.Line));
        Assert.True(manifests[2].IsSecret);
    }

    [Theory]
    [InlineData("replicas: ${N}", "3", "3")]
    [InlineData("replicas: \"${N}\"", "3", "\"3\"")]
    [InlineData("replicas: $${N}", "3", "\"${N}\"")]
    [InlineData("replicas: ${MISSING:-7}", "3", "7")]
    [InlineData("replicas: x-${N}-y", "3", "\"x-3-y\"")]
    public void Variables_expand_value_by_value_and_typed_after_expansion(string line, string value, string json)
    {
        var manifest = Parse($"apiVersion: v1\nkind: X\nmetadata:\n  name: a\n{line}\n",
            new ManifestReadOptions { Variables = new Dictionary<string, string> { ["N"] = value }, Environment = _ => null }).Single();

        Assert.Equal(json, manifest.Body["replicas"]!.ToJsonString());
    }

    [Fact]
    public void A_variable_value_cannot_change_the_structure()
    {
        var manifest = Parse(Pod, new ManifestReadOptions { Variables = new Dictionary<string, string> { ["IMAGE"] = "x\n    command: [evil]" }, Environment = _ => null }).Single();

        var container = (JsonObject)manifest.Body["spec"]!["containers"]![0]!;
        Assert.Equal("x\n    command: [evil]", (string?)container["image"]);
        Assert.False(container.ContainsKey("command"));
    }

    [Fact]
    public void Variables_come_from_the_table_then_the_environment()
    {
        var fromEnvironment = Parse(Pod, new ManifestReadOptions { Environment = n => n == "IMAGE" ? "env/web:1" : null }).Single();
        var fromTable = Parse(Pod, new ManifestReadOptions { Variables = new Dictionary<string, string> { ["IMAGE"] = "table/web:1" }, Environment = _ => "env/web:1" }).Single();

        Assert.Equal("env/web:1", (string?)fromEnvironment.Body["spec"]!["containers"]![0]!["image"]);
        Assert.Equal("table/web:1", (string?)fromTable.Body["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public void An_undefined_variable_is_an_error_naming_it_with_file_and_line()
    {
        var error = Assert.Throws<ManifestException>(() => Parse(Pod));

        Assert.Equal(ManifestProblem.VariableUndefined, error.Problem);
        Assert.Equal(new ManifestSource("app.yaml", 8), error.Source);
        Assert.StartsWith("app.yaml:8: the variable IMAGE is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_yaml_names_file_and_line()
    {
        var error = Assert.Throws<ManifestException>(() => Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [x\n"));

        Assert.Equal(ManifestProblem.Invalid, error.Problem);
        Assert.Equal("app.yaml", error.Source!.File);
        Assert.InRange(error.Source.Line, 5, 6);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind: ConfigMap\nmetadata:\n  name: a\n", "no apiVersion")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: a-\n", "generateName cannot be applied")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n", "Duplicate key")]
    [InlineData("- a\n- b\n", "must be an object")]
    public void A_document_that_is_not_an_object_to_apply_is_named(string text, string message)
    {
        var error = Assert.Throws<ManifestException>(() => Parse(text));

        Assert.Equal(ManifestProblem.Invalid, error.Problem);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_is_refused_with_its_line()
    {
        var bomb = new System.Text.StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
            bomb.Append(System.Globalization.CultureInfo.InvariantCulture, $"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");

        var error = Assert.Throws<ManifestException>(() => Parse(bomb.ToString()));

        Assert.Equal(ManifestProblem.Invalid, error.Problem);
        Assert.Contains("excessive aliasing", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Source!.Line, 6, 14);
    }

    [Fact]
    public void Images_go_into_every_template_with_the_container()
    {
        var text = Pod + "\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" +
            "          initContainers:\n          - name: web\n            image: old\n          containers:\n          - name: other\n            image: keep\n";

        var manifests = Parse(text, new ManifestReadOptions
        {
            Variables = new Dictionary<string, string> { ["IMAGE"] = "old" },
            Images = new Dictionary<string, string> { ["web"] = "registry/app@sha256:abc" },
            Environment = _ => null,
        });

        Assert.Equal("registry/app@sha256:abc", (string?)manifests[0].Body["spec"]!["containers"]![0]!["image"]);
        var job = manifests[1].Body["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!;
        Assert.Equal("registry/app@sha256:abc", (string?)job["initContainers"]![0]!["image"]);
        Assert.Equal("keep", (string?)job["containers"]![0]!["image"]);
    }

    [Fact]
    public void An_image_for_a_container_no_template_has_is_an_error()
    {
        var error = Assert.Throws<ManifestException>(() => Parse(Pod, new ManifestReadOptions
        {
            Variables = new Dictionary<string, string> { ["IMAGE"] = "old" },
            Images = new Dictionary<string, string> { ["wbe"] = "registry/app:2" },
            Environment = _ => null,
        }));

        Assert.Equal(ManifestProblem.ContainerNotFound, error.Problem);
        Assert.Contains("named wbe", error.Message, StringComparison.Ordinal);
        Assert.Contains("containers are web", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_built_in_code_is_checked_as_a_file_would_be()
    {
        var body = JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web-canary","namespace":"shop"}}""")!.AsObject();

        var manifest = Manifest.From(body, new ManifestSource("canary", 1));
        var error = Assert.Throws<ManifestException>(() => Manifest.From(new JsonObject { ["kind"] = "Deployment" }, new ManifestSource("canary", 1)));

        Assert.Equal(("Deployment", "web-canary", "shop"), (manifest.Kind, manifest.Name, manifest.Namespace));
        Assert.NotSame(body, manifest.Body);
        Assert.Contains("no apiVersion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_is_read_in_name_order_and_a_large_file_is_refused()
    {
        using var folder = new TempDirectory();
        folder.File("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
        folder.File("a.json", "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}");
        folder.File("notes.txt", "not a manifest");

        var manifests = await ManifestReader.ReadAsync([folder.Path], new ManifestReadOptions(), default);
        var error = await Assert.ThrowsAsync<ManifestException>(() => ManifestReader.ReadAsync([folder.Path], new ManifestReadOptions { MaxFileBytes = 20 }, default));
        var missing = await Assert.ThrowsAsync<ManifestException>(() => ManifestReader.ReadAsync([Path.Combine(folder.Path, "nope.yaml")], new ManifestReadOptions(), default));

        Assert.Equal(["a", "b"], manifests.Select(m => m.Name));
        Assert.Contains("over the limit of 20", error.Message, StringComparison.Ordinal);
        Assert.Equal(ManifestProblem.NotFound, missing.Problem);
    }
}
