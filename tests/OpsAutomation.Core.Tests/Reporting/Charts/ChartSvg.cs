using System.Globalization;
using System.Xml.Linq;

namespace OpsAutomation.Core.Tests.Reporting.Charts;

/// <summary>Reads a rendered chart back as XML, so tests assert on elements and coordinates rather than on strings.</summary>
internal static class ChartSvg
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    public static readonly DateTimeOffset T0 = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Parses the SVG (throws when it is not well-formed XML) and checks what every chart promises.</summary>
    public static XElement Parse(string svg)
    {
        var root = XElement.Parse(svg);
        Assert.Equal(Ns + "svg", root.Name);
        Assert.Equal("img", (string?)root.Attribute("role"));
        Assert.False(string.IsNullOrWhiteSpace((string?)root.Attribute("aria-label")));
        Assert.Null(root.Attribute("width"));
        Assert.Null(root.Attribute("height"));
        Assert.Matches(@"^0 0 \d+(\.\d+)? \d+(\.\d+)?$", (string?)root.Attribute("viewBox"));
        Assert.Empty(root.Descendants(Ns + "script"));
        Assert.DoesNotContain(root.DescendantsAndSelf().Attributes(), a => a.Name.LocalName is "href" or "src" || a.Name.LocalName.StartsWith("on", StringComparison.Ordinal));
        Assert.DoesNotContain("url(", svg, StringComparison.Ordinal);
        return root;
    }

    public static IEnumerable<XElement> WithClass(this XElement root, string cssClass) =>
        root.Descendants().Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true);

    public static double Number(this XElement element, string attribute) =>
        double.Parse((string?)element.Attribute(attribute) ?? throw new InvalidOperationException($"No {attribute} on {element.Name}."), CultureInfo.InvariantCulture);

    public static string? TitleOf(this XElement element) => (string?)element.Element(Ns + "title");

    public static IReadOnlyList<(double X, double Y)> PolylinePoints(this XElement polyline) => ((string)polyline.Attribute("points")!)
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split(','))
        .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
        .ToList();
}
