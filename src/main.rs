fn main() {
    println!("mlab");
}
