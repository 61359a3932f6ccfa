using System.Text.Json.Nodes;
using OpsAutomation.Core.Deployment.Manifests;

namespace OpsAutomation.Core.Tests.Deployment.Manifests;

public sealed class ManifestDiffTests
{
    private static JsonObject Object(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Fields_the_server_keeps_for_itself_are_no_change()
    {
        var live = Object("""{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"7","uid":"u","generation":3,"creationTimestamp":"t","managedFields":[{"manager":"x"}]},"data":{"k":"v"},"status":{"x":1}}""");
        var applied = Object("""{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"8"},"data":{"k":"v"}}""");

        Assert.Equal("", ManifestDiff.Render(live, applied, secret: false, "v1 ConfigMap a"));
        Assert.True(ManifestDiff.SameContent(live, applied));
    }

    [Fact]
    public void A_change_is_a_unified_hunk_with_context_removal_first()
    {
        var live = Object("""{"data":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8"}}""");
        var applied = Object("""{"data":{"a":"1","b":"2","c":"3","d":"4","e":"five","f":"6","g":"7","h":"8"}}""");

        var diff = ManifestDiff.Render(live, applied, secret: false, "v1 ConfigMap a");

        Assert.Equal("""
            --- live v1 ConfigMap a
            +++ applied v1 ConfigMap a
            @@ -3,7 +3,7 @@
               b: "2"
               c: "3"
               d: "4"
            -  e: "5"
            +  e: five
               f: "6"
               g: "7"
               h: "8"

            """.ReplaceLineEndings("\n"), diff);
    }

    [Fact]
    public void A_new_object_is_all_added_lines()
    {
        var diff = ManifestDiff.Render(null, Object("""{"kind":"Service","spec":{"ports":[{"port":80,"protocol":"TCP"}]}}"""), secret: false, "v1 Service web");

        Assert.Equal("--- /dev/null\n+++ applied v1 Service web\n@@ -0,0 +1,5 @@\n+kind: Service\n+spec:\n+  ports:\n+  - port: 80\n+    protocol: TCP\n", diff);
    }

    [Fact]
    public void A_secret_shows_that_its_data_changed_and_never_the_data()
    {
        var live = Object("""{"kind":"Secret","metadata":{"name":"db"},"data":{"password":"b2xk"}}""");
        var applied = Object("""{"kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"new-value"}}""");

        var diff = ManifestDiff.Render(live, applied, secret: true, "v1 Secret db");

        Assert.Contains("+" + ManifestDiff.SecretDataChanged, diff, StringComparison.Ordinal);
        Assert.DoesNotContain("b2xk", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("new-value", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("password", diff, StringComparison.Ordinal);
        Assert.Equal("", ManifestDiff.Render(live, Object("""{"kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"old"}}"""), secret: true, "v1 Secret db"));
    }
}
