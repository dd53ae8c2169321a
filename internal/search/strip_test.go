package search

import (
	"strings"
	"testing"
)

func TestStripHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"<p>Đại hội</p><p>đại biểu</p>", "Đại hội đại biểu"},
		{"a<br>b<br/>c", "a b c"},
		{"<h1>Tiêu đề</h1><h2>Phụ</h2>Nội dung", "Tiêu đề Phụ Nội dung"},
		{"<ul><li>một</li><li>hai</li></ul>", "một hai"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b c"},
		{"<div>x</div><div>y</div>", "x y"},
		{"<blockquote>trích</blockquote>dẫn", "trích dẫn"},
		{"<figure><img src=a.jpg><figcaption>Ảnh: TTXVN</figcaption></figure>", "Ảnh: TTXVN"},
		{"Vi<b>ệt</b> <i>Nam</i>", "Việt Nam"}, // inline tags do not split words
		{"<a href='/x?a=1&amp;b=2'>liên kết</a>", "liên kết"},
		{"Xin&nbsp;chào &amp; &lt;b&gt; &quot;x&quot; &#39;y&#39; &#x1EA1; &agrave;", `Xin chào & <b> "x" 'y' ạ à`},
		{"a<script>var x = '<p>b</p>';</script>c", "a c"},
		{"a<SCRIPT type=module>x()</SCRIPT>b", "a b"},
		{"a<style>p { color: red }</style>b", "a b"},
		{"a<script/>alert(1)</script>b", "a b"},
		{"a<template><p>t</p><template>u</template>v</template>b", "a b"},
		{"a<noscript>n</noscript>b", "a b"},
		{"a<!-- comment <p>x</p> -->b", "ab"},
		{"<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>", "T x"},
		{"  \n\t<p>  nhiều \n\n khoảng   trắng </p>  ", "nhiều khoảng trắng"},
		{"a\u00a0\u00a0b", "a b"},
		{"5 < 6 and 7 > 3", "5 < 6 and 7 > 3"},
		{"unclosed <p attr=\"x", "unclosed"},
		{"<p>bad \xff utf8</p>", "bad \uFFFD utf8"},
		{"nul\x00byte", "nul byte"},
		{"<p>a</p>\r\n<p>b</p>", "a b"},
	}
	for _, tt := range tests {
		if got := StripHTML(tt.in); got != tt.want {
			t.Errorf("StripHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripHTMLThenFold(t *testing.T) {
	body := `<p>(Mặt trận) - Chiều ngày 23/8, Ban Thường trực <strong>Ủy ban</strong> Mặt trận…</p><p>Đồng chí Đỗ Văn Chiến</p>`
	text := StripHTML(body)
	if strings.ContainsAny(text, "<>") {
		t.Errorf("StripHTML left markup: %q", text)
	}
	if !Matches("uy ban chien", text) || !Matches("tran dong", text) {
		t.Errorf("words lost or merged: %q", text)
	}
	if Matches("trandong", text) {
		t.Errorf("paragraphs merged: %q", text)
	}
}
